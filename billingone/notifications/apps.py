from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "billingone.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # Receivers: integration sync failures, sign-ins, authenticator changes.
        from billingone.notifications import receivers  # noqa: F401
