"""Demo wiring: the demo organization's QuickBooks connection, authorised at the local simulator
(beside Xero: an MSP may run both while it moves its books).

Only when QUICKBOOKS_API_URL is a configured simulator host (the dev runner sets both): the seed
walks the simulator's consent page for real (the shared OAuth client's authorize URL, the first
company chosen, the code exchanged), stores the tokens and the company as the shared connect
does, and queues a first full sync, so `make run` shows QuickBooks invoices.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.utils import timezone

from billingone.integrations.base import ProviderContext, ProviderError
from billingone.integrations.models import Connection, SyncRun
from billingone.integrations.providers.quickbooks import auth
from billingone.lib.http import simulator_hosts


def quickbooks_is_simulated() -> bool:
    parts = urlsplit(settings.QUICKBOOKS_API_URL)
    return f"{parts.hostname}:{parts.port}" in simulator_hosts()


def wire_demo(organization, owner) -> SyncRun | None:
    """Connect QuickBooks (the simulator's first company) and queue a first sync, once."""
    from billingone.integrations.flows import SyncInProgress, request_sync

    if not quickbooks_is_simulated() or not settings.QUICKBOOKS_CLIENT_ID:
        return None
    connection, _ = Connection.objects.get_or_create(organization=organization, provider="quickbooks")
    # The simulator keeps its grants in memory: after a restart the stored tokens are unknown to
    # it, so the demo authorises again (as a person clicking Reconnect would).
    if not _tokens_work(organization, connection):
        try:
            credentials, config = authorise()
        except (httpx.HTTPError, RuntimeError, ProviderError):
            return None  # the simulator is not running: the demo shows QuickBooks as not connected
        connection.set_credentials(credentials)
        connection.config = config
        connection.status, connection.status_reason = Connection.Status.CONNECTED, ""
        connection.connected_at, connection.connected_by = timezone.now(), owner
        connection.save()
    if connection.runs.exists():
        return None
    try:
        return request_sync(organization, "quickbooks", mode="full", trigger=SyncRun.Trigger.SCHEDULE)
    except SyncInProgress:
        return None


def authorise() -> tuple[dict[str, str], dict]:
    """Tokens for the simulator's first company and the connection's config (its CompanyInfo
    name), through the shared OAuth client: authorize URL, consent page, code exchange."""
    from billingone.integrations.oauth import client
    from billingone.integrations.providers.quickbooks.simulator.consent import approve

    app = auth.HOOKS.platform_app()
    if app is None:
        raise RuntimeError("no QuickBooks app configured")
    verifier = secrets.token_urlsafe(48)
    callback = approve(client.authorize_url(auth.HOOKS, app, secrets.token_urlsafe(32), verifier))
    tokens = client.exchange_code(auth.HOOKS, app, callback["code"], verifier)
    realm_id = callback["realmId"]
    config = {
        "app": "platform",
        "account_id": realm_id,
        "account_name": auth.company_name(tokens["access_token"], realm_id),
        "account": {},
        "granted_scopes": tokens["scope"].split(),
    }
    return {**tokens, "account_id": realm_id}, config


def _tokens_work(organization, connection: Connection) -> bool:
    from billingone.integrations.providers.quickbooks.provider import QuickBooks

    if not connection.has_credentials:
        return False
    context = ProviderContext(
        organization=organization, credentials=connection.get_credentials(), connection=connection
    )
    try:
        QuickBooks(context).test_connection()
    except ProviderError as error:
        return not error.permanent  # a transient failure: leave the connection as it is
    return True
