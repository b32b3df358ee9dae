"""Demo wiring: the demo organization's Pax8 connection points at the local simulator.

Only when PAX8_API_URL is a configured simulator host (the dev runner sets both), so the demo
never sends made-up credentials to the real Pax8.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from billingone.integrations.models import Connection, SyncRun
from billingone.lib.http import simulator_hosts


def pax8_is_simulated() -> bool:
    parts = urlsplit(settings.PAX8_API_URL)
    return f"{parts.hostname}:{parts.port}" in simulator_hosts()


def wire_demo(organization, owner) -> SyncRun | None:
    """Connect Pax8 with the simulator's demo credentials and queue a first sync (once)."""
    from billingone.integrations.flows import SyncInProgress, request_sync
    from billingone.integrations.providers.pax8.simulator.server import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

    if not pax8_is_simulated():
        return None
    connection, _ = Connection.objects.get_or_create(organization=organization, provider="pax8")
    if not connection.has_credentials:
        connection.set_credentials({"client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET})
        connection.status = Connection.Status.CONNECTED
        connection.connected_at, connection.connected_by = timezone.now(), owner
        connection.save()
    if connection.runs.exists():
        return None
    try:
        return request_sync(organization, "pax8", trigger=SyncRun.Trigger.SCHEDULE)
    except SyncInProgress:
        return None
