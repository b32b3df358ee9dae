"""Demo wiring shared by the provider packages' `demo.py`: connect the demo organization to a
provider's local simulator and queue its first sync, once.

Only when the provider's URL setting names a configured simulator host (the dev runner sets
both), so the demo never sends its published demo credentials to the real provider."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from billingone.integrations.models import Connection, SyncRun
from billingone.lib.http import simulator_hosts


def is_simulated(url_setting: str) -> bool:
    """Whether settings.<url_setting> points at one of the simulators this process may call."""
    parts = urlsplit(getattr(settings, url_setting))
    return f"{parts.hostname}:{parts.port}" in simulator_hosts()


def connect_demo(organization, owner, provider: str, credentials: dict, config: dict | None = None) -> Connection:
    """The demo's connection to `provider`, given the simulator's credentials the first time."""
    connection, _ = Connection.objects.get_or_create(organization=organization, provider=provider)
    if not connection.has_credentials:
        connection.set_credentials(credentials)
        connection.config = {**connection.config, **(config or {})}
        connection.status = Connection.Status.CONNECTED
        connection.connected_at, connection.connected_by = timezone.now(), owner
        connection.save()
    return connection


def first_sync(connection: Connection, mode: str | None = None) -> SyncRun | None:
    """Queue the connection's first sync; nothing when it has run (or is running) already."""
    from billingone.integrations.flows import SyncInProgress, request_sync

    if connection.runs.exists():
        return None
    try:
        return request_sync(connection.organization, connection.provider, mode=mode, trigger=SyncRun.Trigger.SCHEDULE)
    except SyncInProgress:
        return None
