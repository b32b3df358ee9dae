"""Re-encrypt integration credentials under the primary key (`manage.py rotate_encryption_keys`)."""

from __future__ import annotations

from django.db import transaction


def rotate_connection_credentials() -> int:
    from billingone.integrations.models import Connection

    changed = 0
    with transaction.atomic():
        for connection in Connection.objects.select_for_update().exclude(credentials_token=""):
            if connection.rotate_credentials():
                connection.save(update_fields=["credentials_token"])
                changed += 1
    return changed
