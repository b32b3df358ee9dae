"""Apply → draft → approve → push to the Xero simulator → sync → reconcile: the finding closes.

The demo's own data (seed_demo over the Pax8 and Xero simulators) gives real findings: clients
linked to Xero contacts, products mapped to item codes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billingone.billing import draft_push, drafts, missed_billing
from billingone.billing.draft_models import DraftKind, DraftStatus, InvoiceDraft, recovered_through_drafts
from billingone.billing.finding_models import Finding, Outcome, QueueStatus
from billingone.billing.reconciliation import reconcile_organization
from billingone.billing.tests.draft_worlds import xero_world
from billingone.integrations.base import NullProgress
from billingone.integrations.instances import connected_provider
from billingone.notifications.models import Delivery
from billingone.ops.demo import seed_demo
from billingone.orgs.errors import Conflict
from billingone.orgs.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(pax8_sim, xero_sim, settings):
    settings.DEMO_RECONCILED = True
    organization = seed_demo()
    owner = Membership.objects.get(organization=organization, role="owner").user
    return organization, owner


def under_billed(organization, client_label: str, product_label: str) -> Finding:
    return Finding.objects.get(
        organization=organization,
        kind=Outcome.UNDER_BILLED,
        queued=True,
        client_label=client_label,
        product_label=product_label,
    )


def sim_invoice(xero_sim, external_id: str) -> dict:
    _tenant, invoice = xero_sim.find_invoice(external_id)
    return invoice


def test_apply_approve_push_sync_closes_the_finding(demo, xero_sim, django_capture_on_commit_callbacks):
    organization, owner = demo
    finding = under_billed(organization, "Keystone Physio", "Microsoft 365 Business Standard")
    gap, price = finding.gap, finding.unit_price

    with django_capture_on_commit_callbacks(execute=True):
        missed_billing.act(finding, "apply", actor=owner, role="owner")

    finding.refresh_from_db()
    assert finding.status == QueueStatus.APPLIED
    draft = InvoiceDraft.objects.get(organization=organization, client=finding.client)
    assert (draft.target, draft.kind, draft.status) == ("xero", DraftKind.INVOICE, DraftStatus.DRAFT)
    [line] = draft.lines.all()
    assert line.item_code == "M365-BS"  # as Xero spells it, though the finding keeps it lower-cased
    assert (line.quantity, line.unit_price, line.tax_code) == (gap, price, "OUTPUT")
    assert line.amount == (gap * price).quantize(Decimal("0.01")) == draft.total
    assert "Microsoft 365 Business Standard" in line.description and str(line.period_start.year) in line.description
    assert Delivery.objects.filter(organization=organization, event="billing.drafts_ready").exists()

    drafts.approve(draft, actor=owner, role="owner")
    draft = draft_push.push(draft, actor=owner, role="owner")

    assert draft.status == DraftStatus.PUSHED, draft.error
    invoice = sim_invoice(xero_sim, draft.external_id)
    assert invoice["Status"] == "DRAFT" and invoice["Type"] == "ACCREC"
    assert invoice["Contact"]["ContactID"] == draft.customer.external_id
    [sent] = invoice["LineItems"]
    assert (sent["ItemCode"], sent["Quantity"], sent["UnitAmount"], sent["TaxType"]) == (
        "M365-BS",
        float(gap),
        float(price),
        "OUTPUT",
    )
    assert draft.external_url.endswith(f"InvoiceID={draft.external_id}")
    assert recovered_through_drafts(organization) == draft.total

    connected_provider(organization, "xero").sync("delta", NullProgress())
    reconcile_organization(organization, "test")

    finding.refresh_from_db()
    assert finding.kind == Outcome.MATCHED and not finding.queued  # billed: the gap is closed


def test_a_validation_error_lands_on_the_line_and_an_edit_gets_a_new_key(demo, xero_sim):
    organization, owner = demo
    finding = under_billed(organization, "Coastal Dental", "Microsoft 365 Business Standard")
    missed_billing.act(finding, "apply", actor=owner, role="owner")
    draft = InvoiceDraft.objects.get(organization=organization, client=finding.client)
    line = draft.lines.get()
    drafts.update(draft, actor=owner, role="owner", lines=[drafts.LineEdit(id=line.pk, tax_code="GST-WRONG")])
    drafts.approve(draft, actor=owner, role="owner")

    draft = draft_push.push(draft, actor=owner, role="owner")

    assert draft.status == DraftStatus.FAILED and draft.rejected
    with pytest.raises(Conflict, match="refused this draft"):  # Xero would only answer the same
        draft_push.push(draft, actor=owner, role="owner")
    line.refresh_from_db()
    assert "TaxType code 'GST-WRONG'" in line.error
    first_key = draft.idempotency_key
    assert not [
        i
        for t in xero_sim.tenants.values()
        for i in t.data.overrides.values()
        if i["Status"] == "DRAFT" and i["Contact"]["ContactID"] == draft.customer.external_id
    ]

    drafts.update(draft, actor=owner, role="owner", lines=[drafts.LineEdit(id=line.pk, tax_code="OUTPUT")])
    draft.refresh_from_db()
    assert draft.idempotency_key != first_key and draft.status == DraftStatus.DRAFT
    drafts.approve(draft, actor=owner, role="owner")
    draft = draft_push.push(draft, actor=owner, role="owner")
    assert draft.status == DraftStatus.PUSHED
    line.refresh_from_db()
    assert line.error == ""


def test_a_push_retried_after_a_timeout_creates_one_invoice(demo, xero_sim, settings):
    organization, owner = demo
    settings.DRAFT_PUSH_TIMEOUT_SECONDS = 0.5
    finding = under_billed(organization, "Wattle Roofing Co.", "Exchange Online (Plan 1)")
    missed_billing.act(finding, "apply", actor=owner, role="owner")
    draft = InvoiceDraft.objects.get(organization=organization, client=finding.client)
    drafts.approve(draft, actor=owner, role="owner")
    before = xero_sim.tenant().data.total
    # The first answer comes after the client gave up; Xero still creates the invoice then.
    xero_sim.faults.add("timeout", path="/Invoices", seconds=1.5)

    draft = draft_push.push(draft, actor=owner, role="owner")

    assert draft.status == DraftStatus.PUSHED, draft.error
    puts = [r for r in xero_sim.requests if r["method"] == "PUT"]
    assert len(puts) >= 2 and len({r["headers"]["Idempotency-Key"] for r in puts}) == 1
    assert xero_sim.tenant().data.total == before + 1  # one invoice, whatever the retries
    assert sim_invoice(xero_sim, draft.external_id)["Status"] == "DRAFT"


def test_a_push_that_failed_on_a_timeout_keeps_its_key_and_a_second_push_finds_the_first_invoice(
    demo, xero_sim, settings
):
    organization, owner = demo
    settings.DRAFT_PUSH_TIMEOUT_SECONDS = 0.5
    settings.INTEGRATION_HTTP_RETRIES = 0
    finding = under_billed(organization, "Blue Tutoring Ltd", "Acronis Cyber Protect Cloud")
    missed_billing.act(finding, "apply", actor=owner, role="owner")
    draft = InvoiceDraft.objects.get(organization=organization, client=finding.client)
    drafts.approve(draft, actor=owner, role="owner")
    before = xero_sim.tenant().data.total
    xero_sim.faults.add("timeout", path="/Invoices", seconds=1.0)

    draft = draft_push.push(draft, actor=owner, role="owner")
    assert draft.status == DraftStatus.FAILED and not draft.rejected
    assert "did not answer in time" in draft.error

    import time

    time.sleep(1.2)  # the late first request has created the invoice by now
    assert xero_sim.tenant().data.total == before + 1
    draft = draft_push.push(draft, actor=owner, role="owner")
    assert draft.status == DraftStatus.PUSHED
    assert xero_sim.tenant().data.total == before + 1  # the same invoice, answered again
    assert sim_invoice(xero_sim, draft.external_id)["LineItems"][0]["ItemCode"] == "ACR-CP"


def test_an_over_billed_item_becomes_a_draft_credit_note_in_xero(personas, xero_sim):
    finding = xero_world(personas, xero_sim, licensed=5, billed=8)
    assert finding.kind == Outcome.OVER_BILLED
    alice = personas.alice
    draft = missed_billing.act(finding, "apply", actor=alice, role="owner").draft
    drafts.approve(draft, actor=alice, role="owner")

    draft = draft_push.push(draft, actor=alice, role="owner")

    assert draft.status == DraftStatus.PUSHED and draft.kind == DraftKind.CREDIT_NOTE
    _tenant, note = xero_sim.find_credit_note(draft.external_id)
    assert (note["Type"], note["Status"], note["LineItems"][0]["Quantity"]) == ("ACCRECCREDIT", "DRAFT", 3.0)
    assert "creditNoteID=" in draft.external_url
    assert recovered_through_drafts(personas.org_a) == 0  # a credit note gives money back


def test_a_second_click_or_a_pushed_draft_is_refused_and_a_stale_push_may_go_again(personas, xero_sim):
    finding = xero_world(personas, xero_sim, licensed=12, billed=9)
    alice = personas.alice
    draft = missed_billing.act(finding, "apply", actor=alice, role="owner").draft
    drafts.approve(draft, actor=alice, role="owner")
    draft_push.claim(draft)  # the first click is under way
    with pytest.raises(Conflict, match="being pushed"):
        draft_push.push(draft, actor=alice, role="owner")
    InvoiceDraft.objects.filter(pk=draft.pk).update(updated_at=timezone.now() - timedelta(minutes=6))
    draft = draft_push.push(draft, actor=alice, role="owner")  # a crashed push is retried, same key
    assert draft.status == DraftStatus.PUSHED
    with pytest.raises(Conflict, match="pushed already"):
        draft_push.push(draft, actor=alice, role="owner")
    assert xero_sim.tenant().data.total - xero_sim.tenant().data.invoice_count == 1


def test_a_push_told_to_slow_down_waits_and_creates_one_invoice(personas, xero_sim):
    finding = xero_world(personas, xero_sim, licensed=12, billed=9)
    alice = personas.alice
    draft = missed_billing.act(finding, "apply", actor=alice, role="owner").draft
    drafts.approve(draft, actor=alice, role="owner")
    xero_sim.faults.add("429", path="/Invoices", retry_after=1)  # Xero's minute budget is spent

    draft = draft_push.push(draft, actor=alice, role="owner")

    assert draft.status == DraftStatus.PUSHED
    assert xero_sim.faults.state()["fired"] == {"429": 1}
    assert xero_sim.tenant().data.total - xero_sim.tenant().data.invoice_count == 1
