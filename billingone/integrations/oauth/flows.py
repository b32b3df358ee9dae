"""The connect flows every OAuth provider shares (web only): start, callback, choose the
account, the organization's own app, disconnect (revoking at the provider).

A callback never touches a working connection: the new grant waits beside it ("pending") until
an account is chosen, so abandoning a reconnect half-way keeps what worked. Like
integrations/flows.py, each flow checks the member's capability, works in a transaction and
records the audit event; tokens and secrets never reach the audit log, a message or a log line.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from billingone.audit.log import record
from billingone.integrations import flows, registry
from billingone.integrations.base import ProviderError
from billingone.integrations.models import Connection, SyncRun
from billingone.integrations.oauth import client, session
from billingone.integrations.oauth.hooks import OWN_APP_FIELDS, Account, OAuthHooks
from billingone.orgs.models import Membership

PENDING_TTL_SECONDS = 3600  # an authorised grant waits this long for its account to be chosen


class ConnectFailed(Exception):
    """The connect flow ended without a connection; the message is shown to the person."""


def hooks_for(provider_key: str) -> OAuthHooks:
    """The OAuth hooks of `provider_key`, or 404 (keys come from URLs)."""
    hooks = getattr(registry.get_provider(provider_key), "oauth", None)
    if hooks is None:
        raise Http404("This integration does not connect with OAuth")
    return hooks


def _locked(organization, provider_key: str) -> Connection:
    connection = flows.connection_for(organization, provider_key)
    return Connection.objects.select_for_update().get(pk=connection.pk)


def stored_credentials(organization, provider_key: str) -> dict:
    connection = Connection.objects.filter(organization=organization, provider=provider_key).first()
    return connection.get_credentials() if connection and connection.has_credentials else {}


def own_app_fields(credentials: dict) -> dict[str, str]:
    return {name: credentials[name] for name in OWN_APP_FIELDS if credentials.get(name)}


def _audit(action: str, organization, request, hooks: OAuthHooks, target=None, **data) -> None:
    record(
        action,
        organization=organization,
        request=request,
        target=target,
        target_label=hooks.name,
        data={"provider": hooks.provider, **data},
    )


def start_connect(membership, request, provider_key: str, next_url: str = "") -> str:
    """The authorize URL to send the browser to (the state is bound to this session)."""
    flows.require(membership, "integrations.connect")
    hooks = hooks_for(provider_key)
    organization = membership.organization
    app = hooks.app_for(stored_credentials(organization, provider_key))
    state, verifier = session.begin(
        request, provider=provider_key, organization=organization, app_kind=app.kind, next_url=next_url
    )
    url = client.authorize_url(hooks, app, state, verifier)
    _audit("integration.oauth.start", organization, request, hooks, app=app.kind)
    return url


def _member(request, flow: session.Flow) -> Membership:
    membership = (
        Membership.objects.select_related("organization")
        .filter(user=request.user, organization_id=flow.organization_id)
        .first()
    )
    if membership is None:
        raise session.StateRejected("wrong_organization")
    flows.require(membership, "integrations.connect")
    return membership


def finish_connect(request, provider_key: str, params: Mapping[str, str]) -> tuple[Membership, session.Flow, bool]:
    """The callback: check the state, exchange the code, find the accounts. Returns the
    membership, the flow and whether an account still has to be chosen."""
    hooks = hooks_for(provider_key)
    flow = session.complete(request, provider=provider_key, state=params.get("state", ""))
    membership = _member(request, flow)
    organization = membership.organization
    error, code = params.get("error", ""), params.get("code", "")
    if error or not code:
        _audit("integration.oauth.fail", organization, request, hooks, reason=(error or "no_code")[:40])
        if error == "access_denied":
            raise ConnectFailed(f"You declined access in {hooks.name}, so nothing was connected.")
        raise ConnectFailed(
            f"{hooks.name} did not grant access ({(error or 'no code returned')[:60]}). Nothing was connected."
        )
    try:
        app = hooks.app_for(stored_credentials(organization, provider_key))
        tokens = client.exchange_code(hooks, app, code, flow.code_verifier)
        accounts = _accounts(hooks, tokens["access_token"], params)
    except ProviderError as failure:
        _audit("integration.oauth.fail", organization, request, hooks, reason=failure.code)
        raise ConnectFailed(f"Connecting {hooks.name} failed: {failure.message}") from failure
    if not accounts:
        raise ConnectFailed(f"No {hooks.account_label} was authorised. Connect again and pick one.")
    _keep_pending(organization, provider_key, {**tokens, "app": app.kind}, accounts)
    if len(accounts) == 1:
        choose_account(membership, request, provider_key, accounts[0].id)
        return membership, flow, False
    return membership, flow, True


def _accounts(hooks: OAuthHooks, access_token: str, params: Mapping[str, str]) -> list[Account]:
    """The account the callback names (QuickBooks' realmId), or those the grant covers."""
    if hooks.account_param:
        account_id = params.get(hooks.account_param, "")
        if not account_id:
            return []
        name = hooks.account_name(access_token, account_id) if hooks.account_name else account_id
        return [Account(account_id, name)]
    return hooks.list_accounts(access_token) if hooks.list_accounts else []


def _keep_pending(organization, provider_key: str, grant: dict, accounts: list[Account]) -> None:
    """The new grant waits beside the working one until an account is chosen."""
    with transaction.atomic():
        connection = _locked(organization, provider_key)
        credentials = connection.get_credentials() if connection.has_credentials else {}
        connection.set_credentials({**credentials, "pending": grant})
        pending = {"accounts": [account.as_dict() for account in accounts], "at": time.time()}
        connection.config = {**(connection.config or {}), "pending": pending}
        connection.save()


def pending_accounts(organization, provider_key: str) -> list[Account]:
    connection = Connection.objects.filter(organization=organization, provider=provider_key).first()
    pending = ((connection.config or {}).get("pending") or {}) if connection else {}
    if time.time() - float(pending.get("at") or 0) > PENDING_TTL_SECONDS:
        return []
    return [Account.from_dict(item) for item in pending.get("accounts", [])]


def choose_account(membership, request, provider_key: str, account_id: str) -> Connection:
    """Connect the chosen account with the waiting grant; the others are released."""
    flows.require(membership, "integrations.connect")
    hooks = hooks_for(provider_key)
    organization = membership.organization
    accounts = pending_accounts(organization, provider_key)
    chosen = next((account for account in accounts if account.id == account_id), None)
    if chosen is None:
        raise ConnectFailed(f"Choose one of the {hooks.account_label}s you authorised.")
    with transaction.atomic():
        connection = _locked(organization, provider_key)
        credentials = connection.get_credentials() if connection.has_credentials else {}
        grant = dict(credentials.get("pending") or {})
        if not grant:
            raise ConnectFailed(f"This {hooks.name} authorisation is no longer waiting. Connect again.")
        app_kind = grant.pop("app", "platform")
        was_connected = connection.connected_at is not None
        connection.set_credentials({**own_app_fields(credentials), **grant, "account_id": chosen.id})
        connection.config = {
            "app": app_kind,
            "account_id": chosen.id,
            "account_name": chosen.name,
            "account": chosen.extra,
            "granted_scopes": grant.get("scope", "").split(),
        }
        connection.status, connection.status_reason = Connection.Status.CONNECTED, ""
        connection.connected_at, connection.connected_by = timezone.now(), membership.user
        connection.save()
        action = "integration.reconnect" if was_connected else "integration.connect"
        _audit(action, organization, request, hooks, connection, account=chosen.name, app=app_kind)
    _release_others(hooks, grant["access_token"], [account for account in accounts if account.id != chosen.id])
    _first_sync(membership, request, provider_key)
    return connection


def _release_others(hooks: OAuthHooks, access_token: str, others: list[Account]) -> None:
    """Best effort: the grant should cover only the account BillingOne reads."""
    if others and hooks.release_accounts:
        with contextlib.suppress(ProviderError):
            hooks.release_accounts(access_token, others)


def _first_sync(membership, request, provider_key: str) -> None:
    """Once authorised, everything syncs at once (then on the schedule)."""
    provider = registry.get_provider(provider_key)
    mode = "full" if provider.mode("full") else provider.sync_modes[0].key
    with contextlib.suppress(flows.SyncInProgress, flows.NotConnected, PermissionDenied):
        flows.request_sync(
            membership.organization,
            provider_key,
            mode=mode,
            trigger=SyncRun.Trigger.PERSON,
            membership=membership,
            request=request,
        )


def save_own_app(membership, request, provider_key: str, client_id: str, client_secret: str) -> Connection:
    """Bring your own app: its client ID and secret (a blank secret keeps the stored one)."""
    flows.require(membership, "integrations.connect")
    hooks = hooks_for(provider_key)
    with transaction.atomic():
        connection = _locked(membership.organization, provider_key)
        credentials = connection.get_credentials() if connection.has_credentials else {}
        before = own_app_fields(credentials)
        secret = client_secret or before.get("own_client_secret", "")
        if not client_id or not secret:
            raise ConnectFailed(f"Enter both the client ID and the client secret of your {hooks.name} app.")
        credentials.update(own_client_id=client_id, own_client_secret=secret)
        connection.set_credentials(credentials)
        changed = sorted(name for name in OWN_APP_FIELDS if credentials[name] != before.get(name))
        if changed and connection.is_connected:
            connection.status = Connection.Status.NEEDS_ATTENTION
            connection.status_reason = f"The {hooks.name} app changed: reconnect {hooks.name} to authorise the new app."
        connection.config = {**(connection.config or {}), "app": "own"}
        connection.save()
        _audit("integration.configure", membership.organization, request, hooks, connection, fields_changed=changed)
    return connection


def remove_own_app(membership, request, provider_key: str) -> None:
    flows.require(membership, "integrations.connect")
    hooks = hooks_for(provider_key)
    with transaction.atomic():
        connection = _locked(membership.organization, provider_key)
        credentials = connection.get_credentials() if connection.has_credentials else {}
        rest = {key: value for key, value in credentials.items() if key not in OWN_APP_FIELDS}
        connection.set_credentials(rest) if rest else connection.clear_credentials()
        if connection.is_connected:
            connection.status = Connection.Status.NEEDS_ATTENTION
            connection.status_reason = (
                f"The {hooks.name} app changed: reconnect {hooks.name} to authorise BillingOne's app."
            )
        connection.config = {**(connection.config or {}), "app": "platform"}
        connection.save()
        fields = list(OWN_APP_FIELDS)
        _audit("integration.configure", membership.organization, request, hooks, connection, fields_changed=fields)


def disconnect(membership, request, provider_key: str, *, purge: bool) -> bool:
    """Revoke the grant at the provider, then delete the tokens (keeping an own app's settings).
    Returns whether the provider confirmed the revocation."""
    flows.require(membership, "integrations.connect")
    hooks = hooks_for(provider_key)
    organization = membership.organization
    credentials = stored_credentials(organization, provider_key)
    revoked = False
    with contextlib.suppress(ProviderError):  # still delete locally: the person asked to disconnect
        app = hooks.app_for(credentials)
        pending = credentials.get("pending") or {}
        revoked = client.revoke(hooks, app, credentials.get("refresh_token", ""))
        client.revoke(hooks, app, pending.get("refresh_token", ""))
    _audit("integration.revoke", organization, request, hooks, revoked=revoked)
    with transaction.atomic():
        flows.disconnect(membership, request, provider_key, purge=purge)
        app_fields = own_app_fields(credentials)
        if app_fields:
            connection = _locked(organization, provider_key)
            connection.set_credentials(app_fields)
            connection.config = {"app": "own"}
            connection.save()
    return revoked
