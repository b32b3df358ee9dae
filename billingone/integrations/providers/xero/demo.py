"""Demo wiring: the demo organization's Xero connection, authorised at the local simulator.

Only when XERO_API_URL is a configured simulator host (the dev runner sets both): the seed
walks the simulator's consent screen for real (authorization code + PKCE), stores the tokens
it gets, and queues a first full sync, so `make run` shows invoices and suggested mappings.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.utils import timezone

from billingone.integrations.models import Connection, SyncRun
from billingone.integrations.providers.xero.auth import SCOPES
from billingone.lib.http import simulator_hosts


def xero_is_simulated() -> bool:
    parts = urlsplit(settings.XERO_API_URL)
    return f"{parts.hostname}:{parts.port}" in simulator_hosts()


def wire_demo(organization, owner) -> SyncRun | None:
    """Connect Xero (the simulator's first organisation) and queue a first sync, once."""
    from billingone.integrations.flows import SyncInProgress, request_sync
    from billingone.integrations.providers.xero.simulator.consent import obtain_tokens

    if not xero_is_simulated() or not settings.XERO_CLIENT_ID:
        return None
    connection, _ = Connection.objects.get_or_create(organization=organization, provider="xero")
    # The simulator keeps its grants in memory: after a restart the stored tokens are unknown
    # to it, so the demo authorises again (as a person clicking Reconnect would).
    if not _tokens_work(connection):
        try:
            tokens = obtain_tokens(
                settings.XERO_API_URL,
                client_id=settings.XERO_CLIENT_ID,
                client_secret=settings.XERO_CLIENT_SECRET,
                redirect_uri=settings.XERO_REDIRECT_URI,
                scope=" ".join(SCOPES),
            )
        except (httpx.HTTPError, RuntimeError):
            return None  # the simulator is not running: the demo simply shows Xero as not connected
        tenant = tokens["connections"][0]
        connection.set_credentials(
            {
                "access_token": tokens["access_token"],
                "refresh_token": tokens["refresh_token"],
                "expires_at": str(time.time() + tokens["expires_in"]),
                "scope": tokens["scope"],
                "account_id": tenant["tenantId"],
            }
        )
        connection.config = {
            "app": "platform",
            "account_id": tenant["tenantId"],
            "account_name": tenant["tenantName"],
            "account": {"connection_id": tenant["id"]},
            "granted_scopes": tokens["scope"].split(),
        }
        connection.status, connection.status_reason = Connection.Status.CONNECTED, ""
        connection.connected_at, connection.connected_by = timezone.now(), owner
        connection.save()
    if connection.runs.exists():
        return None
    try:
        return request_sync(organization, "xero", mode="full", trigger=SyncRun.Trigger.SCHEDULE)
    except SyncInProgress:
        return None


def _tokens_work(connection: Connection) -> bool:
    if not connection.has_credentials:
        return False
    token = connection.get_credentials().get("access_token", "")
    try:
        answer = httpx.get(
            settings.XERO_API_URL.rstrip("/") + "/connections", headers={"Authorization": f"Bearer {token}"}, timeout=5
        )
    except httpx.HTTPError:
        return True  # cannot tell: leave the connection as it is
    return answer.status_code == 200
