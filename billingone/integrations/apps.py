from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "billingone.integrations"
    label = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from billingone.integrations import rotation
        from billingone.lib import crypto

        # Fail closed at startup: without a usable key ring no credential can be read or written.
        crypto.keyring()
        crypto.register_rotator("integration credentials", rotation.rotate_connection_credentials)
