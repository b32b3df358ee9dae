"""Connections made before the shared OAuth connect kept their chosen account under the
provider's own words (config "tenant_id"/"tenant_name", credentials "tenant_id"); the shared
code and the webhook receiver read config "account_id"/"account_name". Copy them over (the
credentials keep working as they are: the provider still reads the old key)."""

from django.db import migrations

LEGACY = {"tenant_id": "account_id", "tenant_name": "account_name"}


def copy_account_keys(apps, schema_editor):
    Connection = apps.get_model("integrations", "Connection")
    for connection in Connection.objects.exclude(config={}).iterator():
        config = dict(connection.config or {})
        if "account_id" in config or "tenant_id" not in config:
            continue
        for old, new in LEGACY.items():
            if old in config:
                config[new] = config.pop(old)
        Connection.objects.filter(pk=connection.pk).update(config=config)


class Migration(migrations.Migration):
    dependencies = [("integrations", "0003_sync_trigger_webhook")]

    operations = [migrations.RunPython(copy_account_keys, migrations.RunPython.noop)]
