"""Apply → draft → approve → push to the QuickBooks simulator (an unsent invoice, once per
requestid) → sync → reconcile: the finding closes as billed."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from billingone.billing import draft_push, drafts, missed_billing
from billingone.billing.draft_models import DraftKind, DraftStatus, InvoiceDraft
from billingone.billing.finding_models import Finding, Outcome
from billingone.billing.models import Client, Customer
from billingone.billing.reconciliation import reconcile_organization
from billingone.billing.tests.builders import connect, customer, product, subscription
from billingone.integrations.base import NullProgress
from billingone.integrations.instances import connected_provider
from billingone.integrations.models import Connection, SyncRun
from billingone.integrations.providers.quickbooks.testing import credentials_for, quickbooks_simulator_fixture
from billingone.orgs.roles import Role

pytestmark = pytest.mark.django_db
qbo_sim = pytest.fixture(quickbooks_simulator_fixture)


@pytest.fixture
def world(personas, qbo_sim):
    org = personas.org_a
    connection = Connection.objects.create(organization=org, provider="quickbooks", status="connected")
    connection.set_credentials(credentials_for(qbo_sim))
    connection.config = {"account_id": connection.get_credentials()["account_id"]}
    connection.connected_at = timezone.now()
    connection.save()
    connected_provider(org, "quickbooks").sync("full", NullProgress())
    now = timezone.now()
    SyncRun.objects.create(  # what the worker leaves behind: coverage reads the last good run
        organization=org,
        connection=connection,
        provider="quickbooks",
        trigger="schedule",
        status="succeeded",
        queued_at=now,
        started_at=now,
        finished_at=now,
    )
    connect(org, "pax8")
    contact = Customer.objects.filter(organization=org, source="quickbooks").order_by("pk").first()
    client = contact.client or Client.objects.create(organization=org, name=contact.name)
    Customer.objects.filter(pk=contact.pk).update(client=client)
    company = customer(org, "pax8", contact.name, client)
    # QuickBooks invoice lines name their item by name: that is what the mapping names.
    premium = product(org, "Microsoft 365 Business Premium", code="Microsoft 365 Business Premium")
    subscription(org, company, premium, 500, price="30")
    reconcile_organization(org, "test")
    finding = Finding.objects.get(organization=org, client=client, product=premium, queued=True)
    return org, personas.alice, finding


def company_invoices(qbo_sim) -> list[dict]:
    books = next(iter(qbo_sim.companies.values())).books
    return [books.invoice(i) for i in range(books.invoice_count, books.total)]


def test_push_makes_an_unsent_invoice_once_and_the_next_sync_closes_the_finding(world, qbo_sim, settings):
    org, owner, finding = world
    assert finding.kind == Outcome.UNDER_BILLED and "quickbooks" in finding.billing_sources
    missed_billing.act(finding, "apply", actor=owner, role=Role.OWNER)
    draft = InvoiceDraft.objects.get(organization=org)
    line = draft.lines.get()
    assert draft.target == "quickbooks" and line.item is not None and line.item.code == "M365-BP"
    assert line.tax_code == "TAX"
    drafts.approve(draft, actor=owner, role=Role.OWNER)
    settings.DRAFT_PUSH_TIMEOUT_SECONDS = 0.5
    qbo_sim.faults.add("timeout", path="/invoice", seconds=1.5)  # the first answer comes too late

    draft = draft_push.push(draft, actor=owner, role=Role.OWNER)

    assert draft.status == DraftStatus.PUSHED, draft.error
    time.sleep(1.2)  # let the late first request finish too
    [created] = company_invoices(qbo_sim)  # one invoice, though QuickBooks was asked more than once
    posts = [r for r in qbo_sim.requests if r["method"] == "POST" and r["path"] == "invoice"]
    assert len(posts) >= 2 and {r["query"]["requestid"] for r in posts} == {draft.idempotency_key}
    assert created["Id"] == draft.external_id and created["EmailStatus"] == "NotSet"
    [sent] = [entry for entry in created["Line"] if entry["DetailType"] == "SalesItemLineDetail"]
    assert sent["SalesItemLineDetail"]["ItemRef"]["value"] == line.item.external_id
    assert sent["SalesItemLineDetail"]["Qty"] == float(line.quantity)
    assert sent["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "TAX"}
    assert draft.external_url.startswith(settings.QUICKBOOKS_APP_URL) and draft.external_id in draft.external_url

    connected_provider(org, "quickbooks").sync("delta", NullProgress())
    reconcile_organization(org, "test")
    finding.refresh_from_db()
    assert finding.kind == Outcome.MATCHED and not finding.queued


def test_an_unknown_item_lands_on_its_line_and_a_fault_on_the_draft(world, qbo_sim):
    org, owner, finding = world
    missed_billing.act(finding, "apply", actor=owner, role=Role.OWNER)
    draft = InvoiceDraft.objects.get(organization=org)
    line = draft.lines.get()
    drafts.update(draft, actor=owner, role=Role.OWNER, lines=[drafts.LineEdit(id=line.pk, item_code="NOPE-1")])
    drafts.approve(draft, actor=owner, role=Role.OWNER)

    draft = draft_push.push(draft, actor=owner, role=Role.OWNER)

    line.refresh_from_db()
    assert draft.status == DraftStatus.FAILED and "no item with code 'NOPE-1'" in line.error
    assert company_invoices(qbo_sim) == []

    drafts.update(
        draft, actor=owner, role=Role.OWNER, lines=[drafts.LineEdit(id=line.pk, item_code="M365-BP", tax_code="VAT9")]
    )
    drafts.approve(draft, actor=owner, role=Role.OWNER)
    draft = draft_push.push(draft, actor=owner, role=Role.OWNER)
    assert draft.status == DraftStatus.FAILED and draft.rejected
    assert "Invalid Reference Id" in draft.error and "TaxCode" in draft.error
    assert company_invoices(qbo_sim) == []


def test_a_credit_note_draft_becomes_an_unsent_credit_memo_once(world, qbo_sim):
    org, owner, finding = world
    missed_billing.act(finding, "apply", actor=owner, role=Role.OWNER)
    # Over-billing makes a credit note draft (test_drafts.py); here the same lines go out as one.
    InvoiceDraft.objects.filter(organization=org).update(kind=DraftKind.CREDIT_NOTE)
    draft = InvoiceDraft.objects.get(organization=org)
    drafts.approve(draft, actor=owner, role=Role.OWNER)

    draft = draft_push.push(draft, actor=owner, role=Role.OWNER)
    draft.status = DraftStatus.FAILED  # as if the answer had been lost: push again, same requestid
    draft.save(update_fields=["status"])
    again = draft_push.push(draft, actor=owner, role=Role.OWNER)

    memos = next(iter(qbo_sim.companies.values())).books.credit_memos
    assert list(memos) == [draft.external_id] == [again.external_id]
    memo = memos[draft.external_id]
    assert memo["EmailStatus"] == "NotSet" and memo["Line"][0]["SalesItemLineDetail"]["Qty"] == float(finding.gap)
    assert "/app/creditmemo?" in draft.external_url
    assert company_invoices(qbo_sim) == []
