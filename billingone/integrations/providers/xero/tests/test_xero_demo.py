"""`make run`'s demo: Xero connected at the simulator with real tokens, invoices synced,
suggested mappings present; a restarted simulator (tokens forgotten) is authorised again."""

from __future__ import annotations

from billingone.billing.models import ClientLink, Invoice
from billingone.integrations.models import Connection
from billingone.ops.demo import seed_demo
from billingone.testing.tasks import run_pending_tasks


def test_seed_connects_xero_syncs_and_suggests_mappings(db, pax8_sim, xero_sim):
    organization = seed_demo()
    connection = Connection.objects.get(organization=organization, provider="xero")
    assert connection.is_connected and connection.config["account_name"] == "Demo MSP Pty Ltd"
    run_pending_tasks()
    assert Invoice.objects.filter(source="xero", organization=organization).exists()
    assert ClientLink.objects.filter(organization=organization, state="suggested").exists()

    xero_sim.identity.grants.clear()  # the simulator restarted: it knows none of our tokens
    seed_demo()
    connection.refresh_from_db()
    token = connection.get_credentials()["access_token"]
    assert xero_sim.identity.grant_for_access(token) is not None
