"""`make run`'s demo: SuperOps connected to the simulator (US, the demo tenant) and synced, its
invoices beside the accounting providers'; seeding again changes nothing."""

from __future__ import annotations

from billingone.billing.models import Customer, Invoice
from billingone.integrations.models import Connection, SyncRun
from billingone.integrations.providers.superops.testing import GOOD
from billingone.ops.demo import seed_demo
from billingone.testing.tasks import run_pending_tasks


def test_seed_connects_superops_and_syncs_its_invoices(db, pax8_sim, superops_sim):
    organization = seed_demo()
    connection = Connection.objects.get(organization=organization, provider="superops")
    assert connection.is_connected and connection.get_credentials() == GOOD
    run_pending_tasks()
    run = SyncRun.objects.get(connection=connection)
    assert run.status == SyncRun.Status.SUCCEEDED and run.mode == "invoices", run.error_message
    tenant = superops_sim.tenant("us")
    assert Invoice.objects.filter(organization=organization, source="superops").count() == len(tenant.invoices)
    assert Customer.objects.filter(organization=organization, source="superops").count() == len(tenant.clients)

    seed_demo()  # idempotent: no second connection, no second first sync
    assert SyncRun.objects.filter(connection=connection).count() == 1


def test_the_demo_leaves_superops_alone_without_its_simulator(db, settings):
    settings.SUPEROPS_API_URL = "https://api.superops.ai/msp"
    organization = seed_demo()
    assert not Connection.objects.filter(organization=organization, provider="superops").exists()
