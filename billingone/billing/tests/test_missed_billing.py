"""The missed-billing queue: stable identity across runs, quiet decisions, recovery, notifications,
and who may act (Finance and up act; Engineer and Viewer read)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billingone.audit.models import AuditEvent
from billingone.billing import missed_billing
from billingone.billing.finding_models import Finding, ReconciliationRun
from billingone.billing.finding_payloads import queue_csv
from billingone.billing.reconciliation import reconcile_organization
from billingone.billing.tests.builders import AS_OF, client, connect, invoice, product, subscription
from billingone.notifications.models import Delivery
from billingone.orgs.errors import Conflict, FlowError, NotAllowed
from billingone.orgs.roles import Role

D = Decimal


@pytest.fixture
def world(personas):
    org = personas.org_a
    connect(org, "pax8")
    connect(org, "xero")
    m365 = product(org, "Microsoft 365 Business Premium", code="M365BP")
    _, company, contact = client(org, "Acme Dental")
    seats = subscription(org, company, m365, 10, price="30")
    invoice(org, contact, [("M365BP", 7, "30")])
    return {"org": org, "product": m365, "company": company, "contact": contact, "seats": seats}


def run(org, **kwargs) -> ReconciliationRun:
    return reconcile_organization(org, "test", as_of=AS_OF, **kwargs)


def under_billed(org) -> Finding:
    return Finding.objects.get(organization=org, kind__in=["under_billed", "matched", "over_billed"])


def test_the_same_gap_next_run_is_the_same_item_and_an_unchanged_run_writes_nothing(world):
    org = world["org"]
    first = run(org)
    item = under_billed(org)
    assert (item.kind, item.gap, item.monthly_impact, first.created) == ("under_billed", D(3), D("90.00"), 1)
    second = run(org)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 1)
    world["seats"].quantity = D(12)
    world["seats"].save()
    third = run(org)
    again = under_billed(org)
    assert (again.pk, again.gap, third.updated) == (item.pk, D(5), 1)


def test_an_ignored_item_stays_quiet_until_its_finding_changes_materially(world, personas):
    org = world["org"]
    run(org)
    item = under_billed(org)
    missed_billing.act(item, "ignore", actor=personas.member("finance"), role=Role.FINANCE, reason="Goodwill seats")
    world["seats"].quantity = D("10.4")  # gap 3.4: less than a whole seat more
    world["seats"].save()
    run(org)
    assert under_billed(org).status == "ignored"
    world["seats"].quantity = D(12)  # gap 5: material
    world["seats"].save()
    run(org)
    reopened = under_billed(org)
    assert (reopened.status, reopened.ignore_reason, reopened.pk) == ("open", "", item.pk)


def test_a_snoozed_item_reopens_when_its_date_passes(world, personas):
    org = world["org"]
    run(org)
    item = under_billed(org)
    until = timezone.localdate() + timedelta(days=3)
    missed_billing.act(item, "snooze", actor=personas.alice, role=Role.OWNER, until=until)
    run(org)
    assert under_billed(org).status == "snoozed"
    Finding.objects.filter(pk=item.pk).update(snoozed_until=timezone.localdate())
    run(org)
    assert under_billed(org).status == "open"


def test_billing_the_gap_resolves_the_item_and_counts_as_recovered(world):
    org = world["org"]
    run(org)
    assert missed_billing.totals(org).open_monthly_impact == D("90.00")
    invoice(org, world["contact"], [("M365BP", 3, "30")])
    result = run(org)
    item = under_billed(org)
    assert (item.kind, item.queued, result.resolved) == ("matched", False, 1)
    totals = missed_billing.totals(org)
    assert (totals.open_monthly_impact, totals.recovered) == (D(0), D("90.00"))


def notifications(org) -> list[Delivery]:
    return list(Delivery.objects.filter(organization=org, event="billing.missed_found", channel="in_app"))


def test_one_notification_per_run_for_new_or_grown_findings_only(world, personas):
    org = world["org"]
    run(org)
    first = notifications(org)
    assert {d.user for d in first} == {personas.alice, personas.member("admin"), personas.member("finance")}
    assert "1 missed billing opportunity" in first[0].payload["title"]
    assert "AUD 90.00" in first[0].payload["body"]
    assert first[0].payload["url"].endswith(f"/{org.slug}/missed-billing/")
    run(org)
    assert len(notifications(org)) == 3  # nothing new: no new notification
    world["seats"].quantity = D(11)
    world["seats"].save()
    run(org)
    assert len(notifications(org)) == 6  # grown by a seat: announced again
    world["seats"].quantity = D(9)
    world["seats"].save()
    run(org)
    assert len(notifications(org)) == 6  # shrank: not news


def test_the_notification_keeps_each_currency_apart(world, personas):
    org = world["org"]
    _, company, contact = client(org, "Yankee Labs")
    subscription(org, company, world["product"], 4, price="10", currency="USD")
    invoice(org, contact, [("M365BP", 2, "10")])
    run(org)
    (body,) = {delivery.payload["body"] for delivery in notifications(org)}
    assert "2 new items" in body and "AUD 90.00 + USD 20.00" in body and "110" not in body


def test_a_quiet_item_that_grows_but_not_materially_is_not_announced(world, personas):
    org = world["org"]
    run(org)
    missed_billing.act(under_billed(org), "review", actor=personas.alice, role=Role.OWNER)
    world["seats"].quantity = D("10.5")
    world["seats"].save()
    run(org)
    assert len(notifications(org)) == 3


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.VIEWER])
def test_engineers_and_viewers_cannot_act(world, personas, role):
    run(world["org"])
    with pytest.raises(NotAllowed):
        missed_billing.act(under_billed(world["org"]), "review", actor=personas.member(role), role=role)


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.FINANCE])
def test_finance_and_up_act_and_every_action_is_audited(world, personas, role):
    org = world["org"]
    run(org)
    item = under_billed(org)
    actor = personas.member(role)
    missed_billing.act(item, "review", actor=actor, role=role)
    missed_billing.act(item, "reopen", actor=actor, role=role)
    events = AuditEvent.objects.filter(organization=org, action__startswith="missed_billing.")
    actions = list(events.order_by("pk").values_list("action", "actor"))
    assert actions == [("missed_billing.review", actor.pk), ("missed_billing.reopen", actor.pk)]
    event = AuditEvent.objects.get(action="missed_billing.review")
    assert event.changes["status"] == {"before": "open", "after": "reviewed"}


def test_ignore_needs_a_reason_and_snooze_a_future_date(world, personas):
    run(world["org"])
    item = under_billed(world["org"])
    with pytest.raises(FlowError, match="why"):
        missed_billing.act(item, "ignore", actor=personas.alice, role=Role.OWNER, reason="  ")
    for until in (None, timezone.localdate(), timezone.localdate() + timedelta(days=400)):
        with pytest.raises(FlowError):
            missed_billing.act(item, "snooze", actor=personas.alice, role=Role.OWNER, until=until)
    assert under_billed(world["org"]).status == "open"


def test_apply_puts_the_gap_on_a_draft_and_applying_again_is_a_conflict(world, personas):
    run(world["org"])
    item = missed_billing.act(under_billed(world["org"]), "apply", actor=personas.alice, role=Role.OWNER)
    assert item.status == "applied" and item.draft.lines.get().finding_id == item.pk
    with pytest.raises(Conflict, match="already on invoice draft"):
        missed_billing.act(under_billed(world["org"]), "apply", actor=personas.alice, role=Role.OWNER)


def test_bulk_actions_apply_to_all_or_none(world, personas):
    org = world["org"]
    other = product(org, "Firewall", code="FW")
    subscription(org, world["company"], other, 1, price="50")
    run(org)
    ids = list(missed_billing.queue(org).values_list("pk", flat=True))
    assert len(ids) == 2
    until = timezone.localdate() + timedelta(days=7)
    missed_billing.act_in_bulk(org, ids, "snooze", actor=personas.alice, role=Role.OWNER, until=until)
    assert set(missed_billing.queue(org).values_list("status", flat=True)) == {"snoozed"}
    with pytest.raises(FlowError):
        missed_billing.act_in_bulk(org, [*ids, 987654], "review", actor=personas.alice, role=Role.OWNER)
    assert set(missed_billing.queue(org).values_list("status", flat=True)) == {"snoozed"}


def test_queue_order_is_severity_then_impact_then_client(world):
    org = world["org"]
    _, big_co, big_contact = client(org, "Zed Mining")
    subscription(org, big_co, world["product"], 40, price="30")  # 40 × 30 = 1200: high
    invoice(org, big_contact, [("OTHER", 1, "1")])
    run(org)
    order = [(f.client_label, f.severity) for f in missed_billing.queue(org, kind="under_billed")]
    assert order == [("Zed Mining", "high"), ("Acme Dental", "low")]


def test_csv_export_is_formula_safe(world):
    org = world["org"]
    run(org)
    Finding.objects.filter(organization=org).update(client_label='=HYPERLINK("http://evil")')
    text = queue_csv(missed_billing.queue(org))
    assert "'=HYPERLINK" in text
    assert "\n=HYPERLINK" not in text


def test_org_b_never_sees_org_a_findings(world, personas):
    run(world["org"])
    run(personas.org_b)
    assert not missed_billing.queue(personas.org_b, kind="under_billed").exists()
    assert missed_billing.totals(personas.org_b).open_monthly_impact == 0


def test_an_unmapped_product_is_one_queue_item_over_every_client_that_holds_it(world):
    org = world["org"]
    firewall = product(org, "Firewall Pro")
    subscription(org, world["company"], firewall, 2, price="50")
    _, other, _ = client(org, "Bolt Legal")
    subscription(org, other, firewall, 3, price="50")
    run(org)
    (item,) = missed_billing.queue(org, kind="unmapped")
    assert (item.product_label, item.client_label, item.monthly_impact, item.severity) == (
        "Firewall Pro",
        "2 clients",
        D("250.00"),
        "medium",
    )
    assert "Products page" in item.suggested_action
    assert Finding.objects.filter(organization=org, kind="unmapped", scope="product", queued=False).count() == 2
