"""What the Integrations page and the API show about each provider (read-only helpers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from billingone.integrations import registry
from billingone.integrations.base import AuthKind, Provider
from billingone.integrations.models import Connection, SyncRun
from billingone.orgs import roles

BADGES = {
    "not_connected": "badge--muted",
    "connected": "badge--success",
    "syncing": "",
    "error": "badge--danger",
    "needs_attention": "badge--warning",
}
LABELS = dict(Connection.Status.choices)
RECENT = timedelta(minutes=1)


@dataclass
class IntegrationState:
    provider: type[Provider]
    connection: Connection | None
    active_run: SyncRun | None
    last_finished: SyncRun | None

    @property
    def connected(self) -> bool:
        return bool(self.connection and self.connection.is_connected)

    @property
    def status(self) -> str:
        if self.active_run is not None and self.connected:
            return "syncing"
        if not self.connected:
            return "not_connected"
        return self.connection.status if self.connection.status != "syncing" else "connected"

    @property
    def status_label(self) -> str:
        return LABELS[self.status]

    @property
    def badge(self) -> str:
        return BADGES[self.status]

    @property
    def reason(self) -> str:
        return self.connection.status_reason if self.connection and self.status in ("error", "needs_attention") else ""

    @property
    def recently_finished(self) -> SyncRun | None:
        """The last run if it ended within the last minute: its finished bar stays on screen."""
        run = self.last_finished
        if run and run.finished_at and timezone.now() - run.finished_at < RECENT:
            return run
        return None

    @property
    def last_run(self) -> SyncRun | None:
        return self.active_run or self.last_finished

    def connect_url(self, slug: str) -> str:
        return reverse("integration_configure", kwargs={"slug": slug, "provider": self.provider.key})

    def actions(self, role: str) -> list[str]:
        """What this member may do here: configure/disconnect and the sync modes."""
        actions = []
        if roles.has_capability(role, "integrations.connect"):
            actions.append("configure")
            if self.connected:
                actions.append("disconnect")
        if self.connected and roles.has_capability(role, "integrations.sync"):
            actions += [f"sync:{mode.key}" for mode in self.provider.sync_modes]
        return actions

    @property
    def is_oauth(self) -> bool:
        return self.provider.auth == AuthKind.OAUTH2

    @property
    def missing_scopes(self) -> list[str]:
        """Scopes an OAuth connection should reconnect for (asked for now, not granted then)."""
        hooks = self.provider.oauth
        if hooks is None or not self.connected:
            return []
        return hooks.missing_scopes((self.connection.config or {}).get("granted_scopes"))


def latest_runs(organization) -> tuple[dict[str, SyncRun], dict[str, SyncRun]]:
    """Each provider's run in flight and its last finished run, in one query: the runs in flight
    (at most one per connection) and, per provider, the newest finished run (an indexed LIMIT 1)."""
    runs = SyncRun.objects.filter(organization=organization)
    finished = runs.exclude(status__in=SyncRun.ACTIVE).order_by("-queued_at", "-pk").values("pk")
    wanted = Q(status__in=SyncRun.ACTIVE)
    for key in registry.PROVIDERS:
        wanted |= Q(pk__in=finished.filter(provider=key)[:1])
    active, last_finished = {}, {}
    for run in runs.filter(wanted):
        (active if run.is_active else last_finished)[run.provider] = run
    return active, last_finished


def integration_states(organization) -> list[IntegrationState]:
    """Every provider's state: one query for connections, one for their runs."""
    connections = {c.provider: c for c in Connection.objects.filter(organization=organization)}
    active, finished = latest_runs(organization)
    return [
        IntegrationState(provider, connections.get(key), active.get(key), finished.get(key))
        for key, provider in registry.PROVIDERS.items()
    ]


def state_for(organization, provider_key: str) -> IntegrationState:
    registry.get_provider(provider_key)
    return next(state for state in integration_states(organization) if state.provider.key == provider_key)


def run_payload(run: SyncRun) -> dict:
    """A run as API.md shows it: status, progress, counts, error, times (never a secret)."""
    provider = registry.PROVIDERS.get(run.provider)
    return {
        "id": str(run.pk),
        "provider": run.provider,
        "provider_name": provider.name if provider else run.provider,
        "mode": run.mode,
        "trigger": run.trigger,
        "actor": run.actor.email if run.actor_id else None,
        "status": run.status,
        "attempt": run.attempt,
        "progress": {"done": run.progress_done, "total": run.progress_total, "percent": run.percent},
        "counts": run.counts(),
        "error": {"code": run.error_code, "message": run.error_message, "permanent": run.permanent}
        if run.error_message
        else None,
        "warnings": {"count": run.warnings, "message": run.warning_message} if run.warnings else None,
        "queued_at": run.queued_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "next_attempt_at": run.next_attempt_at,
    }
