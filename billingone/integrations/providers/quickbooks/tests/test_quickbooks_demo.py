"""`make run`'s demo: QuickBooks connected beside Xero at the simulator with real tokens (through
the consent page), its invoices synced with `source: quickbooks`; a restarted simulator (tokens
forgotten) is authorised again."""

from __future__ import annotations

from billingone.billing.models import Customer, Invoice
from billingone.integrations.models import Connection, SyncRun
from billingone.ops.demo import seed_demo
from billingone.testing.tasks import run_pending_tasks


def test_seed_connects_quickbooks_and_syncs_its_invoices(db, pax8_sim, xero_sim, qbo_wired):
    organization = seed_demo()
    connection = Connection.objects.get(organization=organization, provider="quickbooks")
    assert connection.is_connected
    assert connection.config["account_id"] == qbo_wired.realm_ids[0]
    assert connection.config["account_name"] == "Demo MSP LLC"
    run_pending_tasks()
    run = SyncRun.objects.get(connection=connection)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error_message
    assert Invoice.objects.filter(organization=organization, source="quickbooks").count() == 300
    assert Invoice.objects.filter(organization=organization, source="xero").exists()  # side by side
    assert Customer.objects.filter(organization=organization, source="quickbooks").count() == len(
        qbo_wired.company().books.customers
    )

    qbo_wired.identity.grants.clear()  # the simulator restarted: it knows none of our tokens
    seed_demo()
    connection.refresh_from_db()
    assert qbo_wired.identity.grant_for_access(connection.get_credentials()["access_token"]) is not None
