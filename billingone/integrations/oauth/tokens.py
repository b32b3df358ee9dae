"""Access tokens of a stored connection: fresh or refreshed, with rotation, exactly once.

Refresh tokens rotate: every refresh returns a new one and the old one dies soon after. Two
workers refreshing at once must not both spend the old token and keep different new ones, so
a refresh runs under the connection row's lock (select_for_update; on SQLite the IMMEDIATE
transaction serialises writers) plus a per-process lock, re-reads the stored tokens inside the
lock, and only exchanges when nobody else has refreshed in the meantime. `invalid_grant` marks
the connection "needs attention" with a message that says to reconnect.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict

from django.db import transaction

from billingone.integrations.base import NeedsReauthorization
from billingone.integrations.models import Connection
from billingone.integrations.oauth import client
from billingone.integrations.oauth.hooks import OAuthHooks

REFRESH_MARGIN_SECONDS = 300  # refresh this long before the access token expires
_REFRESH_LOCKS: defaultdict[int, threading.Lock] = defaultdict(threading.Lock)


def is_fresh(credentials: dict) -> bool:
    try:
        return float(credentials.get("expires_at", 0)) - REFRESH_MARGIN_SECONDS > time.time()
    except (TypeError, ValueError):
        return False


def refresh_connection(hooks: OAuthHooks, connection_pk: int, seen_access_token: str) -> dict:
    """Refresh the tokens stored on the connection once, whoever else is trying.

    Returns the credentials to use. If another worker refreshed while we waited for the lock
    (the stored access token is no longer the one we saw and is fresh), its tokens are used
    and no second exchange happens."""
    try:
        with _REFRESH_LOCKS[connection_pk], transaction.atomic():
            connection = Connection.objects.select_for_update().get(pk=connection_pk)
            credentials = connection.get_credentials()
            if credentials.get("access_token") != seen_access_token and is_fresh(credentials):
                return credentials
            tokens = client.refresh(hooks, hooks.app_for(credentials), credentials.get("refresh_token", ""))
            credentials.update(tokens)
            connection.set_credentials(credentials)
            connection.save(update_fields=["credentials_token", "updated_at"])
            return credentials
    except NeedsReauthorization:
        mark_needs_reauth(hooks, connection_pk)  # after the rollback, so the status change sticks
        raise


def mark_needs_reauth(hooks: OAuthHooks, connection_pk: int) -> None:
    Connection.objects.filter(pk=connection_pk).exclude(status=Connection.Status.NOT_CONNECTED).update(
        status=Connection.Status.NEEDS_ATTENTION, status_reason=hooks.reauth_message
    )
