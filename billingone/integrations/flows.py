"""Integration flows (STYLE.md habit 3): connect, test, configure, disconnect, ask for syncs.

Web views, API endpoints and tasks call these; each checks the capability of the member
acting, does its work in a transaction, and records the audit event. Secret values never
reach the audit log, an error message or a log line: only field *names* are recorded.
Running a sync lives in runner.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from billingone.audit.log import record
from billingone.integrations import limits, registry
from billingone.integrations.base import Provider, ProviderContext, ProviderError
from billingone.integrations.models import Connection, SyncRun
from billingone.integrations.runner import enqueue_run
from billingone.lib.text import short_quote
from billingone.orgs import roles


class NotConnected(Exception):
    def __init__(self, provider: type[Provider]):
        super().__init__(f"{provider.name} is not connected. Connect it in Settings → Billing Integrations first.")
        self.provider = provider


class SyncInProgress(Exception):
    def __init__(self, run: SyncRun):
        super().__init__(f"A {run.provider} sync is already running; it has to finish first.")
        self.run = run


class InvalidMode(Exception):
    pass


@dataclass
class TestOutcome:
    ok: bool
    message: str
    code: str = "ok"
    permanent: bool = False
    field_errors: dict[str, str] = field(default_factory=dict)


def require(membership, capability: str) -> None:
    if membership is None or not roles.has_capability(membership.role, capability):
        raise PermissionDenied(roles.refusal(membership.role, capability) if membership else "Not a member.")


def connection_for(organization, provider_key: str) -> Connection:
    connection, _ = Connection.objects.get_or_create(organization=organization, provider=provider_key)
    return connection


def connections_by_provider(organization) -> dict[str, Connection]:
    rows = Connection.objects.filter(organization=organization).select_related("last_run")
    return {connection.provider: connection for connection in rows}


def has_connected_integration(organization) -> bool:
    return any(
        key in registry.PROVIDERS and connection.is_connected
        for key, connection in connections_by_provider(organization).items()
    )


def merged_credentials(provider: type[Provider], connection: Connection | None, values: dict[str, str]) -> dict:
    """The form's values, with blank secret fields meaning "keep the stored one" (write-only)."""
    stored = connection.get_credentials() if connection and connection.has_credentials else {}
    merged = {}
    for credential in provider.credential_fields:
        value = (values.get(credential.name) or "").strip()
        merged[credential.name] = value or (stored.get(credential.name, "") if credential.secret else "")
    return merged


def missing_fields(provider: type[Provider], credentials: dict) -> dict[str, str]:
    return {
        f.name: f"Enter the {f.label.lower()}."
        for f in provider.credential_fields
        if f.required and not credentials[f.name]
    }


def check_credentials(organization, provider: type[Provider], credentials: dict) -> TestOutcome:
    missing = missing_fields(provider, credentials)
    if missing:
        return TestOutcome(False, "Some fields are missing.", "invalid", True, missing)
    try:
        provider(ProviderContext(organization=organization, credentials=credentials)).test_connection()
    except ProviderError as error:
        fields = dict.fromkeys(error.fields, error.message)
        return TestOutcome(False, error.message, error.code, error.permanent, fields)
    return TestOutcome(True, f"Connected to {provider.name}: the credentials work.")


def test_connection(membership, request, provider_key: str, values: dict[str, str]) -> TestOutcome:
    """Test Connection: try the typed (or stored) credentials without saving them."""
    require(membership, "integrations.connect")
    provider = registry.get_provider(provider_key)
    organization = membership.organization
    limits.check_test_connection(organization, provider_key)
    connection = Connection.objects.filter(organization=organization, provider=provider_key).first()
    outcome = check_credentials(organization, provider, merged_credentials(provider, connection, values))
    record(
        "integration.test",
        organization=organization,
        request=request,
        actor=membership.user,
        target=connection,
        target_label=provider.name,
        data={"provider": provider_key, "ok": outcome.ok, "code": outcome.code},
    )
    return outcome


def save_credentials(
    membership, request, provider_key: str, values: dict[str, str], *, start_sync: bool = True
) -> TestOutcome:
    """Save: test, then store encrypted, then start a sync (`start_sync=False`: the caller starts
    its own, e.g. the demo seed). Rejected credentials are not saved; an unreachable provider does
    not stop a save (the outcome says so)."""
    require(membership, "integrations.connect")
    provider = registry.get_provider(provider_key)
    organization = membership.organization
    existing = Connection.objects.filter(organization=organization, provider=provider_key).first()
    credentials = merged_credentials(provider, existing, values)
    outcome = check_credentials(organization, provider, credentials)
    if not outcome.ok and outcome.permanent:
        return outcome
    with transaction.atomic():
        connection = connection_for(organization, provider_key)
        connection = Connection.objects.select_for_update().get(pk=connection.pk)
        before = connection.get_credentials() if connection.has_credentials else {}
        was_connected = connection.is_connected
        connection.set_credentials(credentials)
        if not connection.runs.filter(status__in=SyncRun.ACTIVE).exists():
            connection.status = Connection.Status.CONNECTED
        connection.status_reason = "" if outcome.ok else outcome.message
        if not was_connected:
            connection.connected_at, connection.connected_by = timezone.now(), membership.user
        connection.save()
        changed = sorted(name for name in credentials if credentials[name] != before.get(name))
        record(
            "integration.configure" if was_connected else "integration.connect",
            organization=organization,
            request=request,
            actor=membership.user,
            target=connection,
            target_label=provider.name,
            data={"provider": provider_key, "fields_changed": changed, "tested": outcome.code},
        )
    if start_sync:
        queue_first_sync(membership, request, provider_key)
    if outcome.ok:
        outcome.message = f"Saved. {provider.name} is connected; the first sync has started."
    else:
        outcome.message = f"Saved, but the test did not pass: {outcome.message}"
    return outcome


def queue_first_sync(membership, request, provider_key: str) -> SyncRun | None:
    """Saved credentials (or a finished OAuth) sync at once, then on the schedule: the pages fill
    now, not at the next hourly tick, after a first connect and after a reconnect alike."""
    try:
        return request_sync(
            membership.organization,
            provider_key,
            trigger=SyncRun.Trigger.PERSON,
            membership=membership,
            request=request,
        )
    except (SyncInProgress, NotConnected, PermissionDenied, limits.TooSoon):
        return None


def disconnect(membership, request, provider_key: str, *, purge: bool) -> int:
    """Delete the credentials; keep or purge the synced data (the person chooses). Returns
    how many synced rows were deleted."""
    require(membership, "integrations.connect")
    provider = registry.get_provider(provider_key)
    organization = membership.organization
    with transaction.atomic():
        connection = Connection.objects.select_for_update().filter(organization=organization, provider=provider_key)
        connection = connection.first()
        if connection is None or not connection.has_credentials:
            raise NotConnected(provider)
        # A run still in flight stops at its next progress check (its status is no longer running).
        connection.runs.filter(status__in=SyncRun.ACTIVE).update(
            status=SyncRun.Status.FAILED,
            error_code="disconnected",
            error_message="Stopped: the integration was disconnected.",
            finished_at=timezone.now(),
        )
        connection.clear_credentials()
        connection.status, connection.status_reason, connection.config = Connection.Status.NOT_CONNECTED, "", {}
        connection.save()
        deleted = provider.purge(organization) if purge else 0
        record(
            "integration.disconnect",
            organization=organization,
            request=request,
            actor=membership.user,
            target=connection,
            target_label=provider.name,
            data={"provider": provider_key, "purged": purge, "rows_deleted": deleted},
        )
    return deleted


def request_sync(
    organization, provider_key: str, *, mode: str | None = None, trigger: str, membership=None, request=None
) -> SyncRun:
    """Queue a sync run: 404 for an unknown provider, NotConnected, InvalidMode, or
    SyncInProgress with the run already in flight (one at a time, enforced by the database)."""
    if trigger not in (SyncRun.Trigger.SCHEDULE, SyncRun.Trigger.WEBHOOK):  # the system's own triggers
        require(membership, "integrations.sync")
    provider = registry.get_provider(provider_key)
    mode = mode or provider.sync_modes[0].key
    if provider.mode(mode) is None:
        allowed = ", ".join(m.key for m in provider.sync_modes)
        raise InvalidMode(f"{provider.name} syncs with mode {allowed}, not {short_quote(mode)}.")

    try:
        with transaction.atomic():
            run = _queue_run(organization, provider, mode, trigger, membership)
            # The task row lives in the same database: it commits (or vanishes) with the run,
            # and so does the audit event.
            enqueue_run(run)
            record(
                "integration.sync.request",
                organization=organization,
                request=request,
                actor=membership.user if membership else None,
                target=run,
                target_label=f"{provider.name} {mode} sync",
                data={"provider": provider_key, "mode": mode, "trigger": trigger, "run": run.pk},
            )
    except IntegrityError:
        # Lost a race with another request: the database's one-active-run rule held.
        running = SyncRun.objects.filter(organization=organization, provider=provider_key, status__in=SyncRun.ACTIVE)
        busy = running.first()
        if busy is None:
            raise
        raise SyncInProgress(busy) from None
    return run


def _queue_run(organization, provider: type[Provider], mode: str, trigger: str, membership) -> SyncRun:
    connection = Connection.objects.select_for_update().filter(organization=organization, provider=provider.key)
    connection = connection.first()
    if connection is None or not connection.is_connected:
        raise NotConnected(provider)
    active = connection.runs.filter(status__in=SyncRun.ACTIVE).first()
    if active is not None:
        raise SyncInProgress(active)
    if trigger != SyncRun.Trigger.SCHEDULE:
        limits.check_sync_cooldown(organization, provider.key)
    run = SyncRun.objects.create(
        organization=organization,
        connection=connection,
        provider=provider.key,
        mode=mode,
        trigger=trigger,
        actor=membership.user if membership else None,
    )
    connection.status, connection.last_run = Connection.Status.SYNCING, run
    connection.save(update_fields=["status", "last_run", "updated_at"])
    return run


def sync_all(membership, request) -> tuple[list[SyncRun], list[SyncRun]]:
    """Sync All: one run per connected integration. Returns (queued, already running)."""
    require(membership, "integrations.sync")
    organization = membership.organization
    queued, running = [], []
    for provider_key, connection in connections_by_provider(organization).items():
        if provider_key not in registry.PROVIDERS or not connection.is_connected:
            continue
        try:
            queued.append(
                request_sync(
                    organization, provider_key, trigger=SyncRun.Trigger.SYNC_ALL, membership=membership, request=request
                )
            )
        except SyncInProgress as busy:
            running.append(busy.run)
        except limits.TooSoon:
            continue  # synced moments ago: Sync All does not repeat it
    return queued, running
