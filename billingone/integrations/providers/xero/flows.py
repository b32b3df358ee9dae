"""Xero's connect flows (web only): start the OAuth flow, finish it at the callback, choose the
Xero organisation, configure the organization's own app, disconnect (revoking at Xero).

Like flows.py, each checks the member's capability, works in a transaction and records the
audit event; tokens and secrets never reach the audit log, a message or a log line.
"""

from __future__ import annotations

import contextlib

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from billingone.audit.log import record
from billingone.integrations import flows, oauth
from billingone.integrations.base import ProviderError
from billingone.integrations.models import Connection, SyncRun
from billingone.integrations.providers.xero import auth as xero_auth
from billingone.lib.http import ProviderClient
from billingone.orgs.models import Membership

PROVIDER = "xero"
APP_FIELDS = ("own_client_id", "own_client_secret")


class ConnectFailed(Exception):
    """The connect flow ended without a connection; the message is shown to the person."""


def _connection(organization, lock: bool = False) -> Connection:
    connection = flows.connection_for(organization, PROVIDER)
    return Connection.objects.select_for_update().get(pk=connection.pk) if lock else connection


def stored_credentials(organization) -> dict[str, str]:
    connection = Connection.objects.filter(organization=organization, provider=PROVIDER).first()
    return connection.get_credentials() if connection and connection.has_credentials else {}


def own_app_fields(credentials: dict[str, str]) -> dict[str, str]:
    return {name: credentials[name] for name in APP_FIELDS if credentials.get(name)}


def start_connect(membership, request, next_url: str = "") -> str:
    """The authorize URL to send the browser to (the state is bound to this session)."""
    flows.require(membership, "integrations.connect")
    app = xero_auth.app_for(stored_credentials(membership.organization))
    url = oauth.begin(request, provider=PROVIDER, organization=membership.organization, app=app, next_url=next_url)
    record(
        "integration.oauth.start",
        organization=membership.organization,
        request=request,
        target_label="Xero",
        data={"provider": PROVIDER, "app": app.kind},
    )
    return url


def _member(request, flow: oauth.Flow) -> Membership:
    membership = (
        Membership.objects.select_related("organization")
        .filter(user=request.user, organization_id=flow.organization_id)
        .first()
    )
    if membership is None:
        raise oauth.StateRejected("wrong_organization")
    flows.require(membership, "integrations.connect")
    return membership


def finish_connect(request, *, state: str, code: str, error: str) -> tuple[Membership, oauth.Flow, bool]:
    """The callback: check the state, exchange the code, read /connections. Returns the
    membership, the flow and whether a Xero organisation still has to be chosen."""
    flow = oauth.complete(request, provider=PROVIDER, state=state)
    membership = _member(request, flow)
    organization = membership.organization
    if error or not code:
        record(
            "integration.oauth.fail",
            organization=organization,
            request=request,
            target_label="Xero",
            data={"provider": PROVIDER, "reason": (error or "no_code")[:40]},
        )
        if error == "access_denied":
            raise ConnectFailed("You declined access in Xero, so nothing was connected.")
        raise ConnectFailed(f"Xero did not grant access ({(error or 'no code returned')[:60]}). Nothing was connected.")
    stored = stored_credentials(organization)
    app = xero_auth.app_for(stored)
    try:
        tokens = xero_auth.exchange_code(app, code, flow.code_verifier)
        tenants = list_tenants(tokens["access_token"])
    except ProviderError as failure:
        record(
            "integration.oauth.fail",
            organization=organization,
            request=request,
            target_label="Xero",
            data={"provider": PROVIDER, "reason": failure.code},
        )
        raise ConnectFailed(f"Connecting Xero failed: {failure.message}") from failure
    if not tenants:
        raise ConnectFailed("No Xero organisation was authorised. Connect again and pick an organisation.")
    with transaction.atomic():
        connection = _connection(organization, lock=True)
        connection.set_credentials({**own_app_fields(stored), **tokens})
        connection.config = {"app": app.kind, "pending_tenants": tenants}
        connection.status, connection.status_reason = Connection.Status.NOT_CONNECTED, ""
        connection.save()
    if len(tenants) == 1:
        choose_tenant(membership, request, tenants[0]["tenant_id"])
        return membership, flow, False
    return membership, flow, True


def connections_client(access_token: str, **options) -> ProviderClient:
    """A client for Xero's /connections (the identity API), with the token kept out of logs."""
    return ProviderClient(
        provider="Xero",
        account_key="connections",
        rate_limit=xero_auth.IDENTITY_RATE,
        allowed_urls=xero_auth.allowed_urls(),
        secrets=[access_token],
        **options,
    )


def connections_url(suffix: str = "") -> str:
    from django.conf import settings

    return settings.XERO_API_URL.rstrip("/") + "/connections" + suffix


def list_tenants(access_token: str) -> list[dict[str, str]]:
    with connections_client(access_token) as http:
        headers = {"Authorization": f"Bearer {access_token}"}
        response, payload = http.request_json("GET", connections_url(), headers=headers)
    if response.status_code != 200 or not isinstance(payload, list):
        raise ConnectFailed(f"Xero's list of organisations could not be read (HTTP {response.status_code}).")
    return [
        {
            "tenant_id": item["tenantId"],
            "tenant_name": item.get("tenantName") or "Xero organisation",
            "connection_id": item.get("id", ""),
        }
        for item in payload
        if isinstance(item, dict) and item.get("tenantId") and item.get("tenantType", "ORGANISATION") == "ORGANISATION"
    ]


def pending_tenants(organization) -> list[dict[str, str]]:
    connection = Connection.objects.filter(organization=organization, provider=PROVIDER).first()
    return list((connection.config or {}).get("pending_tenants", [])) if connection else []


def choose_tenant(membership, request, tenant_id: str) -> Connection:
    """Connect the chosen Xero organisation; the others are disconnected at Xero."""
    flows.require(membership, "integrations.connect")
    organization = membership.organization
    with transaction.atomic():
        connection = _connection(organization, lock=True)
        tenants = (connection.config or {}).get("pending_tenants", [])
        chosen = next((tenant for tenant in tenants if tenant["tenant_id"] == tenant_id), None)
        if chosen is None:
            raise ConnectFailed("Choose one of the Xero organisations you authorised.")
        credentials = {**connection.get_credentials(), "tenant_id": chosen["tenant_id"]}
        was_connected = connection.connected_at is not None
        connection.set_credentials(credentials)
        connection.config = {"app": connection.config.get("app", "platform"), **chosen}
        connection.status, connection.status_reason = Connection.Status.CONNECTED, ""
        connection.connected_at, connection.connected_by = timezone.now(), membership.user
        connection.save()
        record(
            "integration.reconnect" if was_connected else "integration.connect",
            organization=organization,
            request=request,
            target=connection,
            target_label="Xero",
            data={"provider": PROVIDER, "tenant": chosen["tenant_name"], "app": connection.config["app"]},
        )
    _drop_other_tenants(credentials["access_token"], [t for t in tenants if t["tenant_id"] != tenant_id])
    _first_sync(membership, request, organization)
    return connection


def _drop_other_tenants(access_token: str, others: list[dict[str, str]]) -> None:
    """Best effort: the grant should cover only the organisation BillingOne reads."""
    if not others:
        return
    with connections_client(access_token, max_retries=0) as http:
        for tenant in others:
            url = connections_url(f"/{tenant['connection_id']}")
            try:
                http.request("DELETE", url, headers={"Authorization": f"Bearer {access_token}"})
            except ProviderError:
                continue


def _first_sync(membership, request, organization) -> None:
    """Once authorised, invoices sync at once (then on the schedule)."""
    with contextlib.suppress(flows.SyncInProgress, flows.NotConnected, PermissionDenied):
        flows.request_sync(
            organization, PROVIDER, mode="full", trigger=SyncRun.Trigger.PERSON, membership=membership, request=request
        )


def save_own_app(membership, request, client_id: str, client_secret: str) -> Connection:
    """Bring your own Xero app: its client ID and secret (blank secret keeps the stored one)."""
    flows.require(membership, "integrations.connect")
    organization = membership.organization
    with transaction.atomic():
        connection = _connection(organization, lock=True)
        credentials = connection.get_credentials() if connection.has_credentials else {}
        before = own_app_fields(credentials)
        secret = client_secret or before.get("own_client_secret", "")
        if not client_id or not secret:
            raise ConnectFailed("Enter both the client ID and the client secret of your Xero app.")
        credentials.update(own_client_id=client_id, own_client_secret=secret)
        connection.set_credentials(credentials)
        changed = sorted(name for name in APP_FIELDS if credentials[name] != before.get(name))
        if changed and connection.is_connected:
            connection.status = Connection.Status.NEEDS_ATTENTION
            connection.status_reason = "The Xero app changed: reconnect Xero to authorise the new app."
        connection.config = {**(connection.config or {}), "app": "own"}
        connection.save()
        record(
            "integration.configure",
            organization=organization,
            request=request,
            target=connection,
            target_label="Xero",
            data={"provider": PROVIDER, "fields_changed": changed},
        )
    return connection


def remove_own_app(membership, request) -> None:
    flows.require(membership, "integrations.connect")
    with transaction.atomic():
        connection = _connection(membership.organization, lock=True)
        credentials = {k: v for k, v in connection.get_credentials().items() if k not in APP_FIELDS}
        if credentials:
            connection.set_credentials(credentials)
        else:
            connection.clear_credentials()
        if connection.is_connected:
            connection.status = Connection.Status.NEEDS_ATTENTION
            connection.status_reason = "The Xero app changed: reconnect Xero to authorise BillingOne's app."
        connection.config = {**(connection.config or {}), "app": "platform"}
        connection.save()
        record(
            "integration.configure",
            organization=membership.organization,
            request=request,
            target=connection,
            target_label="Xero",
            data={"provider": PROVIDER, "fields_changed": list(APP_FIELDS)},
        )


def disconnect(membership, request, *, purge: bool) -> bool:
    """Revoke the grant at Xero, then delete the tokens (keeping an own app's settings).
    Returns whether Xero confirmed the revocation."""
    flows.require(membership, "integrations.connect")
    organization = membership.organization
    credentials = stored_credentials(organization)
    revoked = False
    try:
        revoked = xero_auth.revoke(xero_auth.app_for(credentials), credentials.get("refresh_token", ""))
    except ProviderError:
        revoked = False  # still delete locally: the person asked to disconnect
    record(
        "integration.revoke",
        organization=organization,
        request=request,
        target_label="Xero",
        data={"provider": PROVIDER, "revoked": revoked},
    )
    with transaction.atomic():
        flows.disconnect(membership, request, PROVIDER, purge=purge)
        app = own_app_fields(credentials)
        if app:
            connection = _connection(organization, lock=True)
            connection.set_credentials(app)
            connection.config = {"app": "own"}
            connection.save()
    return revoked
