"""Bind existing TOTP secrets and recovery-code seeds to their user and authenticator row
(accounts/mfa_secrets.py); until now they were sealed for the purpose only."""

from django.db import migrations


def bind(apps, schema_editor):
    from billingone.accounts.rotation import rotate_mfa_secrets

    rotate_mfa_secrets(apps.get_model("mfa", "Authenticator").objects)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_loginevent_passkeyevent"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(bind, migrations.RunPython.noop)]
