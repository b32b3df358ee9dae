"""`make run`'s demo: Synergy Wholesale connected at the simulator, a first sync queued, the
Domains & hosting page filled."""

from __future__ import annotations

from billingone.billing.models import Subscription
from billingone.integrations.models import Connection, SyncRun
from billingone.integrations.providers.synergy.demo import wire_demo
from billingone.integrations.providers.synergy.testing import running_synergy
from billingone.testing.tasks import run_pending_tasks


def test_demo_connects_synergy_and_fills_domains(personas, settings, client_for):
    with running_synergy(settings) as sim:
        run = wire_demo(personas.org_a, personas.alice)
        connection = Connection.objects.get(organization=personas.org_a, provider="synergy")
        assert connection.is_connected and connection.get_credentials()["reseller_id"] == "4567"
        assert run is not None and run.mode == "domains_hosting" and run.status == SyncRun.Status.QUEUED
        assert wire_demo(personas.org_a, personas.alice) is None  # once
        run_pending_tasks()
        run.refresh_from_db()
        assert run.status == SyncRun.Status.SUCCEEDED, run.error_message
        synced = Subscription.objects.filter(organization=personas.org_a, source="synergy", removed_at=None)
        assert synced.filter(kind="domain").exists() and synced.filter(kind="hosting").exists()
        page = client_for(personas.bob).get("/org-a/domains/").content.decode()
        assert sim.account.domains[0]["domainName"] in page


def test_demo_leaves_synergy_alone_without_a_simulator(personas, settings):
    settings.SYNERGY_API_URL = "https://api.synergywholesale.com"
    assert wire_demo(personas.org_a, personas.alice) is None
    assert not Connection.objects.filter(organization=personas.org_a, provider="synergy").exists()
