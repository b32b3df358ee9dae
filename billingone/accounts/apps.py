from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "billingone.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from billingone.accounts import passkeys, receivers, sessions, signals
        from billingone.accounts.rotation import rotate_mfa_secrets
        from billingone.lib.crypto import register_rotator

        register_rotator("mfa authenticators", rotate_mfa_secrets)
        signals.connect()
        receivers.connect()
        passkeys.install()
        sessions.install()
