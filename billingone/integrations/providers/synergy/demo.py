"""Demo wiring: the demo organization's Synergy Wholesale connection at the local simulator.

Only when SYNERGY_API_URL is a configured simulator host (the dev runner sets both), so the
demo never sends its published demo key to the real Synergy."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from billingone.integrations.models import Connection, SyncRun
from billingone.lib.http import simulator_hosts


def synergy_is_simulated() -> bool:
    parts = urlsplit(settings.SYNERGY_API_URL)
    return f"{parts.hostname}:{parts.port}" in simulator_hosts()


def wire_demo(organization, owner) -> SyncRun | None:
    """Connect with the simulator's demo reseller and queue a first domains & hosting sync (once)."""
    from billingone.integrations.flows import SyncInProgress, request_sync
    from billingone.integrations.providers.synergy.simulator import DEMO_API_KEY, DEMO_RESELLER_ID

    if not synergy_is_simulated():
        return None
    connection, _ = Connection.objects.get_or_create(organization=organization, provider="synergy")
    if not connection.has_credentials:
        connection.set_credentials({"reseller_id": DEMO_RESELLER_ID, "api_key": DEMO_API_KEY})
        connection.status = Connection.Status.CONNECTED
        connection.connected_at, connection.connected_by = timezone.now(), owner
        connection.save()
    if connection.runs.exists():
        return None
    try:
        return request_sync(organization, "synergy", mode="domains_hosting", trigger=SyncRun.Trigger.SCHEDULE)
    except SyncInProgress:
        return None
