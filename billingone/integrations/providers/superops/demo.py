"""Demo wiring: the demo organization's SuperOps connection points at the local simulator.

Only when SUPEROPS_API_URL is a configured simulator host (the dev runner sets both), so the
demo never sends its published demo token to the real SuperOps.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from billingone.integrations.models import Connection, SyncRun
from billingone.lib.http import simulator_hosts


def superops_is_simulated() -> bool:
    parts = urlsplit(settings.SUPEROPS_API_URL)
    return f"{parts.hostname}:{parts.port}" in simulator_hosts()


def wire_demo(organization, owner) -> SyncRun | None:
    """Connect SuperOps (US) with the simulator's demo token and queue a first sync (once)."""
    from billingone.integrations.flows import SyncInProgress, request_sync
    from billingone.integrations.providers.superops.simulator.server import DEMO_SUBDOMAIN, DEMO_TOKEN

    if not superops_is_simulated():
        return None
    connection, _ = Connection.objects.get_or_create(organization=organization, provider="superops")
    if not connection.has_credentials:
        connection.set_credentials({"api_token": DEMO_TOKEN, "subdomain": DEMO_SUBDOMAIN, "region": "us"})
        connection.status = Connection.Status.CONNECTED
        connection.connected_at, connection.connected_by = timezone.now(), owner
        connection.save()
    if connection.runs.exists():
        return None
    try:
        return request_sync(organization, "superops", trigger=SyncRun.Trigger.SCHEDULE)
    except SyncInProgress:
        return None
