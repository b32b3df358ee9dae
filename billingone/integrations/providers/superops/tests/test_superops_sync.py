"""Syncing SuperOps through the engine: clients and invoices (with their lines) land in the
neutral model linked by exact big ids; the scheduled `invoices` sync reads only the invoice-date
window; the first sync of each full-scan slot reads everything and sweeps what was deleted; a
scan the data moved under sweeps nothing and leaves the next sync a full scan."""

from __future__ import annotations

from datetime import timedelta

import pytest

from billingone.billing.models import Customer, Invoice, InvoiceLine
from billingone.integrations.base import NullProgress, ProviderContext
from billingone.integrations.models import SyncRun
from billingone.integrations.providers.superops.provider import SuperOps
from billingone.integrations.providers.superops.simulator.data import PAID
from billingone.integrations.providers.superops.testing import GOOD
from billingone.integrations.records import Batch, Checkpoint, Complete, Kind
from billingone.integrations.testing import connect, run_sync


def live_invoices(organization):
    return Invoice.objects.filter(organization=organization, source="superops", removed_at__isnull=True)


def age_syncs(connection, hours: float) -> None:
    """Pretend every good sync so far ran `hours` earlier (checkpoints and starts)."""
    for run in SyncRun.objects.filter(connection=connection, status="succeeded"):
        earlier = run.started_at - timedelta(hours=hours)
        SyncRun.objects.filter(pk=run.pk).update(checkpoint=earlier, started_at=earlier)


@pytest.fixture
def connected(personas, superops_sim):
    return connect(personas.org_a, "superops", dict(GOOD))


def test_a_first_sync_stores_clients_and_invoices_with_lines_linked_by_exact_ids(personas, superops_sim, connected):
    run = run_sync(personas.org_a, "superops")  # the scheduled mode, `invoices`: a first one reads everything
    assert run.status == "succeeded" and run.mode == "invoices", run.error_message
    tenant = superops_sim.tenant("us")
    assert live_invoices(personas.org_a).count() == len(tenant.invoices)
    sample_id, sample = next(iter(tenant.invoices.items()))
    stored = live_invoices(personas.org_a).get(external_id=sample_id)
    account_id = str(sample["client"]["accountId"])
    assert int(account_id) > 2**53
    assert stored.customer is not None and stored.customer.external_id == account_id
    assert stored.customer_external_id == account_id
    assert InvoiceLine.objects.filter(invoice=stored).count() == len(tenant.items[sample_id])
    # SuperOps sends no currency: every invoice takes the one chosen at connect.
    assert set(live_invoices(personas.org_a).values_list("currency", flat=True)) == {"AUD"}
    customers = Customer.objects.filter(organization=personas.org_a, source="superops")
    assert customers.count() == len(tenant.clients)
    assert customers.exclude(domains=[]).count() == len(tenant.clients)


def test_the_invoices_sync_reads_the_window_and_the_next_full_scan_sweeps(personas, superops_sim, connected, settings):
    tenant = superops_sim.tenant("us")
    assert run_sync(personas.org_a, "superops").status == "succeeded"
    old_open = next(key for key, row in tenant.invoices.items() if row["statusEnum"] != PAID)
    old_gone = next(iter(tenant.invoices))
    new = tenant.create_invoice()
    tenant.update_invoice(old_open, statusEnum=PAID, paymentDate="2026-11-20T09:00:00")
    tenant.delete_invoice(old_gone)
    reads_before = superops_sim.stats["getInvoice"]

    window = run_sync(personas.org_a, "superops")
    assert window.status == "succeeded", window.error_message
    in_window = sum(1 for row in tenant.invoices.values() if row["invoiceDate"] >= new["invoiceDate"][:10]) or 1
    read = superops_sim.stats["getInvoice"] - reads_before
    assert 1 <= read <= in_window + 10 < len(tenant.invoices) // 4  # the window, not the whole list
    assert live_invoices(personas.org_a).filter(external_id=new["invoiceId"]).exists()
    assert live_invoices(personas.org_a).filter(external_id=old_gone).exists()  # not seen yet: no change feed
    assert window.removed == 0

    settings.SUPEROPS_FULL_SCAN_HOURS = 1
    age_syncs(connected, hours=2)  # the last sync was in an earlier full-scan slot
    full = run_sync(personas.org_a, "superops")
    assert full.status == "succeeded" and full.removed == 1 and full.updated >= 1
    assert not live_invoices(personas.org_a).filter(external_id=old_gone).exists()
    assert live_invoices(personas.org_a).get(external_id=old_open).status == "paid"
    assert live_invoices(personas.org_a).count() == len(tenant.invoices)


def test_a_scan_the_data_moved_under_sweeps_nothing_and_asks_for_another(personas, superops_sim):
    tenant = superops_sim.tenant("us")
    provider = SuperOps(ProviderContext(organization=personas.org_a, credentials=dict(GOOD)))
    yielded = []
    for item in provider.fetch("full", None, NullProgress()):
        yielded.append(item)
        if isinstance(item, Batch) and item.kind == Kind.INVOICE and len(yielded) < 6:
            tenant.delete_invoice(list(tenant.invoices)[-1])  # deleted while we page
    assert Complete(Kind.CUSTOMER) in yielded and Complete(Kind.INVOICE) not in yielded
    checkpoint = next(item for item in yielded if isinstance(item, Checkpoint)).at
    assert provider.full_scan_due(checkpoint, checkpoint + timedelta(seconds=2))  # the next sync scans again


def test_a_page_size_of_100_and_has_more_null_end_the_listing(personas, superops_sim, connected):
    run = run_sync(personas.org_a, "superops", "full")
    assert run.status == "succeeded"
    # 150 invoices: page 1 says hasMore true, page 2 says null; nothing asks for a third page.
    listed = superops_sim.listings
    invoice_pages = [(page["page"], page["pageSize"]) for name, page in listed if name == "getInvoiceList"]
    assert invoice_pages == [(1, 100), (2, 100)]
    assert [page["pageSize"] for name, page in listed if name == "getClientList"] == [100]


def test_invoices_are_read_in_this_thread_under_a_transaction_holding_sqlite(personas, settings):
    # The demo seed runs its first syncs inside its transaction; reading threads would count their
    # calls in the database's cache table and wait on SQLite's one writer for every call.
    from django.db import connection, transaction

    provider = SuperOps(ProviderContext(organization=personas.org_a, credentials=dict(GOOD)))
    settings.CACHES = {**settings.CACHES, "budgets": {"BACKEND": "django.core.cache.backends.db.DatabaseCache"}}
    with transaction.atomic():
        expected = 1 if connection.vendor == "sqlite" else provider.account_rate_limit().concurrency
        assert provider.reading_threads() == expected
    settings.CACHES = {**settings.CACHES, "budgets": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert provider.reading_threads() == provider.account_rate_limit().concurrency == 4
