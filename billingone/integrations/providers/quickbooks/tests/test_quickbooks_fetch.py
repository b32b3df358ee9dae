"""QuickBooks.fetch against the simulator: a full scan yields every customer, item and invoice
(customers first), Complete per kind and QuickBooks' own time as the checkpoint; a delta reads
CDC (changes, deletions, more than 1,000 changes, a look-back past 30 days); faults mid-sync."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from billingone.integrations.base import NeedsReauthorization, NullProgress, ProviderContext
from billingone.integrations.providers.quickbooks.provider import QuickBooks
from billingone.integrations.providers.quickbooks.testing import credentials_for, start_simulator, wire
from billingone.integrations.records import (
    Batch,
    Checkpoint,
    Complete,
    CustomerRecord,
    InvoiceRecord,
    ItemRecord,
    Kind,
    Removed,
)


def run(organization, credentials, mode="full", since=None, saved=None):
    """Fetch, advancing progress for each batch as the engine does when it stores one."""
    context = ProviderContext(
        organization=organization, credentials=credentials, save_credentials=(saved if saved is not None else []).append
    )
    provider = QuickBooks(context)
    progress = NullProgress()
    yielded = []
    for item in provider.fetch(mode, since, progress):
        if isinstance(item, Batch):
            progress.advance(len(item.records))
        yielded.append(item)
    return yielded, progress, provider


def records(yielded, kind):
    return [
        record for item in yielded if isinstance(item, Batch) for record in item.records if isinstance(record, kind)
    ]


def test_full_sync_yields_every_row_customers_first_then_complete_and_checkpoint(personas, qbo_wired, qbo_credentials):
    yielded, progress, _ = run(personas.org_a, qbo_credentials)
    books = qbo_wired.company().books
    customers, items, invoices = (records(yielded, kind) for kind in (CustomerRecord, ItemRecord, InvoiceRecord))
    assert len(customers) == len(books.customers) and len(items) == len(books.items) and len(invoices) == 300
    kinds = [item.kind for item in yielded if isinstance(item, Batch)]
    assert kinds == sorted(kinds, key=[Kind.CUSTOMER, Kind.ITEM, Kind.INVOICE].index)
    assert [item for item in yielded if isinstance(item, Complete)] == [
        Complete(Kind.CUSTOMER),
        Complete(Kind.ITEM),
        Complete(Kind.INVOICE),
    ]
    assert isinstance(yielded[-1], Checkpoint) and abs(yielded[-1].at - timezone.now()) < timedelta(minutes=1)
    assert progress.total == progress.done == len(customers) + len(items) + 300
    assert all(len(invoice.lines) == 3 for invoice in invoices)
    assert {invoice.customer_id for invoice in invoices} <= {customer.external_id for customer in customers}


def test_customers_carry_their_email_and_website_domains(personas, qbo_wired, qbo_credentials):
    yielded, _, _ = run(personas.org_a, qbo_credentials)
    first = records(yielded, CustomerRecord)[0]
    company = qbo_wired.company().books.customers[0]
    domain = company["PrimaryEmailAddr"]["Address"].split("@")[1]
    assert first.domains == (domain,) and first.email.endswith(domain) and first.active
    inactive = [c for c in records(yielded, CustomerRecord) if not c.active]
    assert [c.source_status for c in inactive] == ["Inactive"] and inactive[0].domains == ()


def test_every_call_sends_minorversion_75_and_pages_at_1000(personas, qbo_credentials, settings):
    sim = start_simulator(invoices=2500)
    try:
        wire(settings, sim)
        credentials = credentials_for(sim)
        yielded, _, _ = run(personas.org_a, credentials)
        assert len(records(yielded, InvoiceRecord)) == 2500
        assert sim.requests and all(call["query"].get("minorversion") == "75" for call in sim.requests)
        pages = [call["query"]["query"] for call in sim.requests if "STARTPOSITION" in call["query"].get("query", "")]
        invoice_pages = [text for text in pages if "FROM Invoice" in text]
        assert len(invoice_pages) == 3 and all(text.endswith("MAXRESULTS 1000") for text in invoice_pages)
        assert {text.split("STARTPOSITION ")[1].split()[0] for text in invoice_pages} == {"1", "1001", "2001"}
    finally:
        sim.stop()


def test_delta_reads_changes_and_deletions_from_cdc(personas, qbo_wired, qbo_credentials):
    full, _, _ = run(personas.org_a, qbo_credentials)
    checkpoint = full[-1].at
    changed = qbo_wired.change_invoice(10)
    deleted = qbo_wired.delete_invoice(20)
    yielded, progress, _ = run(personas.org_a, qbo_credentials, "delta", checkpoint)
    assert [record.external_id for record in records(yielded, InvoiceRecord)] == [changed["Id"]]
    assert Removed(Kind.INVOICE, (deleted,)) in yielded
    assert not [item for item in yielded if isinstance(item, Complete)]
    assert isinstance(yielded[-1], Checkpoint) and yielded[-1].at >= checkpoint
    assert progress.total == progress.done == 2
    again, _, _ = run(personas.org_a, qbo_credentials, "delta", yielded[-1].at)
    # changedSince goes to the second, so changes of the checkpoint's own second are read again
    assert {r.external_id for r in records(again, InvoiceRecord)} <= {changed["Id"]}
    qbo_wired.advance(2)
    later, _, _ = run(personas.org_a, qbo_credentials, "delta", again[-1].at)
    quiet, _, _ = run(personas.org_a, qbo_credentials, "delta", later[-1].at)
    assert [item for item in quiet if not isinstance(item, Checkpoint)] == []


def test_a_look_back_older_than_30_days_is_a_full_sync(personas, qbo_wired, qbo_credentials):
    yielded, _, _ = run(personas.org_a, qbo_credentials, "delta", timezone.now() - timedelta(days=31))
    assert len(records(yielded, InvoiceRecord)) == 300 and Complete(Kind.INVOICE) in yielded
    assert not any(
        "cdc" in call["path"] and call["query"].get("changedSince", "") < "2000" for call in qbo_wired.requests
    )


def test_more_than_1000_changes_are_read_in_further_windows(personas, settings):
    sim = start_simulator(invoices=1500)
    try:
        wire(settings, sim)
        credentials = credentials_for(sim)
        since = timezone.now() - timedelta(seconds=5)
        for index in range(1200):
            sim.advance(0.01)  # QBO stamps changes to the second: these span 12 seconds
            sim.change_invoice(index)
        yielded, _, _ = run(personas.org_a, credentials, "delta", since)
        assert sorted(int(r.external_id) for r in records(yielded, InvoiceRecord)) == list(range(1, 1201))
        assert sum(1 for call in sim.requests if call["path"] == "cdc") >= 2
        assert Complete(Kind.INVOICE) not in yielded
    finally:
        sim.stop()


def test_more_than_1000_changes_in_one_second_fall_back_to_a_full_sync(personas, settings):
    sim = start_simulator(invoices=1500)
    try:
        wire(settings, sim)
        credentials = credentials_for(sim)
        since = timezone.now() - timedelta(seconds=5)
        sim.freeze(time.time() - 3)  # the burst lies after `since` and before the fallback scan starts
        for index in range(1100):
            sim.change_invoice(index)
        sim.freeze(None)
        yielded, _, _ = run(personas.org_a, credentials, "delta", since)
        assert len(records(yielded, InvoiceRecord)) == 1500 and Complete(Kind.INVOICE) in yielded
    finally:
        sim.stop()


def test_a_deletion_during_the_scan_withholds_complete_for_that_kind(personas, qbo_wired, qbo_credentials):
    qbo_wired.faults.add("page_delete", path="FROM Invoice ORDERBY")  # invoice 1 goes as paging starts
    yielded, _, _ = run(personas.org_a, qbo_credentials)
    assert Removed(Kind.INVOICE, ("1",)) in yielded
    assert Complete(Kind.INVOICE) not in yielded and Complete(Kind.CUSTOMER) in yielded


def test_reconcile_refreshes_and_says_reconciliation_follows(personas, qbo_wired, qbo_credentials):
    yielded, _, provider = run(personas.org_a, qbo_credentials, "reconcile", timezone.now() - timedelta(hours=1))
    assert isinstance(yielded[-1], Checkpoint)
    assert provider.notes == ["QuickBooks data refreshed; reconciliation follows in the background."]


@pytest.mark.parametrize("kind", ["5xx", "malformed", "drop", "429", "timeout"])
def test_transient_faults_mid_sync_are_retried(personas, qbo_wired, qbo_credentials, kind, settings):
    settings.INTEGRATION_HTTP_TIMEOUT_SECONDS = 0.5
    qbo_wired.faults.add(kind, path="FROM Invoice ORDERBY", seconds=1.0)
    yielded, _, _ = run(personas.org_a, qbo_credentials)
    assert qbo_wired.faults.fired == {kind: 1} and not qbo_wired.faults.pending
    assert len(records(yielded, InvoiceRecord)) == 300 and Complete(Kind.INVOICE) in yielded


def test_token_expiry_mid_sync_refreshes_once_and_saves_the_rotated_token(personas, qbo_wired, qbo_credentials):
    qbo_wired.faults.add("token_expiry", path="FROM Invoice ORDERBY")
    saved: list[dict] = []
    old_refresh = qbo_credentials["refresh_token"]
    yielded, _, _ = run(personas.org_a, dict(qbo_credentials), saved=saved)
    assert not qbo_wired.faults.pending
    assert len(records(yielded, InvoiceRecord)) == 300
    assert len(saved) == 1 and saved[0]["refresh_token"] != old_refresh and saved[0]["account_id"]


def test_a_revoked_grant_needs_reauthorization(personas, qbo_wired, qbo_credentials):
    qbo_wired.identity.grants[-1].revoked = True
    with pytest.raises(NeedsReauthorization) as caught:
        run(personas.org_a, qbo_credentials)
    assert caught.value.permanent
    assert qbo_credentials["refresh_token"] not in str(caught.value)


def test_test_connection_reads_company_info(personas, qbo_wired, qbo_credentials):
    provider = QuickBooks(ProviderContext(organization=personas.org_a, credentials=qbo_credentials))
    assert provider.company_name() == "Demo MSP LLC"
    provider.test_connection()
    assert qbo_wired.requests[-1]["path"].startswith("companyinfo/")
