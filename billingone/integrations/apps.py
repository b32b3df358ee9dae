from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "billingone.integrations"
    label = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from billingone.integrations import rotation
        from billingone.integrations.budgets import SharedBudgetStore
        from billingone.lib import crypto, http

        # Fail closed at startup: without a usable key ring no credential can be read or written.
        crypto.keyring()
        crypto.register_rotator("integration credentials", rotation.rotate_connection_credentials)
        # One rate budget per provider account for every worker and web process (Redis or the database).
        http.set_budget_store(SharedBudgetStore())
