"""Invoice drafts: applying (one client's items, credit notes for over-billing), editing, removing,
approving, roles, the API and the pages (shapes, 404 for outsiders, 403 below Finance, the
query budget), and "drafts ready for review"."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from billingone.audit.models import AuditEvent
from billingone.billing import draft_apply, draft_push, drafts, missed_billing
from billingone.billing.draft_models import DraftKind, DraftStatus, InvoiceDraft
from billingone.billing.finding_models import Finding
from billingone.billing.models import Customer
from billingone.billing.reconciliation import reconcile_organization
from billingone.billing.tests.builders import AS_OF, client, connect, invoice, product, subscription
from billingone.integrations.models import Connection
from billingone.notifications.models import Delivery
from billingone.orgs.errors import Conflict, FlowError, NotAllowed
from billingone.orgs.roles import Role

BASE = "/api/v1/orgs/org-a"
MAX_QUERIES = 12
D = Decimal


def add_client(org, products, name: str, licensed: int, billed: int):
    _, company, contact = client(org, name)
    for item in products:
        subscription(org, company, item, licensed, price="30")
        invoice(org, contact, [(item.mapping.item_code, billed, "30")])


@pytest.fixture
def world(personas):
    org = personas.org_a
    connect(org, "pax8")
    connect(org, "xero")
    m365 = product(org, "Microsoft 365 Business Premium", code="M365BP")
    backup = product(org, "Acronis Cyber Protect Cloud", code="ACR-CP")
    add_client(org, [m365, backup], "Acme Dental", 10, 7)
    add_client(org, [m365], "Bolt Legal", 5, 8)  # over-billed by 3
    reconcile_organization(org, "test", as_of=AS_OF)
    return {"org": org, "m365": m365, "backup": backup}


def finding(org, client_label: str, product_label: str = "Microsoft 365 Business Premium") -> Finding:
    return Finding.objects.get(organization=org, client_label=client_label, product_label=product_label, queued=True)


def apply(org, actor, *labels) -> InvoiceDraft:
    return missed_billing.act(finding(org, *labels), "apply", actor=actor, role=Role.OWNER).draft


def test_items_of_one_client_share_its_open_draft_and_it_is_announced_once(
    world, personas, django_capture_on_commit_callbacks
):
    org, alice = world["org"], personas.alice
    with django_capture_on_commit_callbacks(execute=True):
        first = apply(org, alice, "Acme Dental")
        second = apply(org, alice, "Acme Dental", "Acronis Cyber Protect Cloud")
    assert first.pk == second.pk
    second.refresh_from_db()
    lines = list(second.lines.order_by("position"))
    assert [(line.item_code, line.quantity, line.unit_price) for line in lines] == [
        ("M365BP", D(3), D(30)),
        ("ACR-CP", D(3), D(30)),
    ]
    assert second.total == D("180.00") and second.kind == DraftKind.INVOICE and second.target == "xero"
    assert all(" · 3 licences not billed" in line.description for line in lines)
    deliveries = Delivery.objects.filter(organization=org, event="billing.drafts_ready")
    assert {d.user for d in deliveries} >= {personas.alice, personas.member("finance")}
    assert deliveries.values("dedupe_key").distinct().count() == 1
    actions = set(AuditEvent.objects.filter(organization=org).values_list("action", flat=True))
    assert {"invoice_draft.create", "invoice_draft.update", "missed_billing.apply"} <= actions


def test_an_over_billed_item_goes_on_a_credit_note_draft(world, personas):
    draft = apply(world["org"], personas.alice, "Bolt Legal")
    assert draft.kind == DraftKind.CREDIT_NOTE
    line = draft.lines.get()
    assert line.quantity == D(3) and "billed too many" in line.description


def test_a_client_without_an_accounting_customer_cannot_be_applied(world, personas):
    item = finding(world["org"], "Acme Dental")
    Customer.objects.filter(client=item.client, source="xero").update(client=None)  # the link was undone
    with pytest.raises(FlowError, match="not linked to a customer in Xero or QuickBooks"):
        apply(world["org"], personas.alice, "Acme Dental")
    assert finding(world["org"], "Acme Dental").status == "open"
    assert not InvoiceDraft.objects.exists()


def test_bulk_apply_takes_one_clients_items_only(world, personas):
    org = world["org"]
    ids = [finding(org, "Acme Dental").pk, finding(org, "Bolt Legal").pk]
    with pytest.raises(FlowError, match="one client at a time"):
        missed_billing.act_in_bulk(org, ids, "apply", actor=personas.alice, role=Role.OWNER)
    both = [finding(org, "Acme Dental").pk, finding(org, "Acme Dental", "Acronis Cyber Protect Cloud").pk]
    done = missed_billing.act_in_bulk(org, both, "apply", actor=personas.alice, role=Role.OWNER)
    assert {item.draft.pk for item in done} == {InvoiceDraft.objects.get().pk}


def test_editing_recomputes_needs_a_new_approval_and_removing_a_line_reopens_its_item(world, personas):
    org, alice = world["org"], personas.alice
    apply(org, alice, "Acme Dental")
    draft = apply(org, alice, "Acme Dental", "Acronis Cyber Protect Cloud")
    drafts.approve(draft, actor=alice, role=Role.OWNER)
    m365_line, backup_line = draft.lines.order_by("position")
    edit = drafts.LineEdit(id=m365_line.pk, quantity=D("4"), unit_price=D("31.50"), description="Seats, November")
    drafts.update(draft, actor=alice, role=Role.OWNER, lines=[edit], remove=[backup_line.pk])
    draft.refresh_from_db()
    assert draft.status == DraftStatus.DRAFT and draft.approved_at is None
    assert draft.total == D("126.00") and draft.lines.get().description == "Seats, November"
    assert finding(org, "Acme Dental", "Acronis Cyber Protect Cloud").status == "open"
    assert finding(org, "Acme Dental").status == "applied"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantity": D("-1")}, "lines.0.quantity"),
        ({"quantity": D("0")}, "lines.0.quantity"),
        ({"unit_price": D("NaN")}, "lines.0.unit_price"),
        ({"description": "  "}, "lines.0.description"),
    ],
)
def test_bad_edits_are_refused_and_change_nothing(world, personas, change, field):
    draft = apply(world["org"], personas.alice, "Acme Dental")
    line = draft.lines.get()
    with pytest.raises(FlowError) as refused:
        drafts.update(draft, actor=personas.alice, role=Role.OWNER, lines=[drafts.LineEdit(id=line.pk, **change)])
    assert refused.value.field == field
    line.refresh_from_db()
    assert line.quantity == D(3) and line.amount == D("90.00")


def test_approve_and_push_rules(world, personas):
    draft = apply(world["org"], personas.alice, "Acme Dental")
    with pytest.raises(Conflict, match="Approve the draft"):
        draft_push.push(draft, actor=personas.alice, role=Role.OWNER)
    drafts.update(draft, actor=personas.alice, role=Role.OWNER, remove=[draft.lines.get().pk])
    with pytest.raises(FlowError, match="at least one line"):
        drafts.approve(draft, actor=personas.alice, role=Role.OWNER)


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.VIEWER])
def test_engineers_and_viewers_cannot_work_on_drafts(world, personas, role):
    draft = apply(world["org"], personas.alice, "Acme Dental")
    someone = personas.member(role)
    for attempt in (
        lambda: drafts.approve(draft, actor=someone, role=role),
        lambda: drafts.update(draft, actor=someone, role=role, reference="x"),
        lambda: draft_push.push(draft, actor=someone, role=role),
        lambda: drafts.delete(draft, actor=someone, role=role),
    ):
        with pytest.raises(NotAllowed):
            attempt()


# ---- the API ---------------------------------------------------------------------------------


@pytest.fixture
def api(app_token, personas):
    def as_user(user) -> Client:
        return Client(HTTP_X_SESSION_TOKEN=app_token(user))

    return as_user


def send(api_client: Client, method: str, path: str, body: dict | None = None):
    if method == "get":
        return api_client.get(BASE + path)
    return getattr(api_client, method)(BASE + path, json.dumps(body or {}), content_type="application/json")


def test_api_lists_by_status_shows_one_with_its_preview_and_edits_it(world, personas, api):
    draft = apply(world["org"], personas.alice, "Acme Dental")
    viewer = api(personas.member(Role.VIEWER))
    page = viewer.get(BASE + "/invoice-drafts?status=draft").json()
    assert page["count"] == 1 and page["next"] is None
    (item,) = page["items"]
    assert (item["client"]["name"], item["target"], item["status"], item["total"]) == (
        "Acme Dental",
        "xero",
        "draft",
        "90.00",
    )
    assert viewer.get(BASE + "/invoice-drafts?status=pushed").json()["count"] == 0
    assert viewer.get(BASE + "/invoice-drafts?status=nope").status_code == 422

    body = viewer.get(f"{BASE}/invoice-drafts/{draft.pk}").json()
    sent = body["preview"]["Invoices"][0]
    assert sent["Status"] == "DRAFT" and sent["LineItems"][0]["ItemCode"] == "M365BP"
    assert sent["Contact"]["ContactID"] == draft.customer.external_id

    finance = api(personas.member(Role.FINANCE))
    line_id = int(body["lines"][0]["id"])
    patched = send(
        finance,
        "patch",
        f"/invoice-drafts/{draft.pk}",
        {"lines": [{"id": line_id, "quantity": "5"}], "due_date": "2027-01-31"},
    )
    assert patched.status_code == 200, patched.content
    assert (patched.json()["total"], patched.json()["due_date"]) == ("150.00", "2027-01-31")
    bad = send(finance, "patch", f"/invoice-drafts/{draft.pk}", {"lines": [{"id": line_id, "quantity": "-2"}]})
    assert bad.status_code == 422 and list(bad.json()["error"]["fields"]) == ["lines.0.quantity"]
    assert send(finance, "patch", f"/invoice-drafts/{draft.pk}", {"lines": [{"id": 999999}]}).status_code == 422
    approved = send(finance, "post", f"/invoice-drafts/{draft.pk}/approve")
    assert approved.json()["status"] == "approved"
    removed = send(finance, "delete", f"/invoice-drafts/{draft.pk}/lines/{line_id}")
    assert removed.json()["lines"] == [] and removed.json()["status"] == "draft"


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.VIEWER])
def test_api_refuses_engineers_and_viewers_with_403(world, personas, api, role):
    draft = apply(world["org"], personas.alice, "Acme Dental")
    someone = api(personas.member(role))
    assert someone.get(f"{BASE}/invoice-drafts/{draft.pk}").status_code == 200
    for method, path in (
        ("patch", f"/invoice-drafts/{draft.pk}"),
        ("post", f"/invoice-drafts/{draft.pk}/approve"),
        ("post", f"/invoice-drafts/{draft.pk}/push"),
        ("delete", f"/invoice-drafts/{draft.pk}"),
        ("post", f"/missed-billing/{finding(world['org'], 'Acme Dental', 'Acronis Cyber Protect Cloud').pk}/apply"),
    ):
        assert send(someone, method, path).status_code == 403


def test_outsiders_get_404_from_the_api_and_the_pages(world, personas, api, client_for):
    draft = apply(world["org"], personas.alice, "Acme Dental")
    charlie = api(personas.charlie)
    for method, path in (
        ("get", "/invoice-drafts"),
        ("get", f"/invoice-drafts/{draft.pk}"),
        ("patch", f"/invoice-drafts/{draft.pk}"),
        ("post", f"/invoice-drafts/{draft.pk}/push"),
    ):
        assert send(charlie, method, path).status_code == 404
    # Org B's own slug does not reach Org A's draft either.
    assert charlie.get(f"/api/v1/orgs/org-b/invoice-drafts/{draft.pk}").status_code == 404
    web = client_for(personas.charlie)
    assert web.get("/org-a/invoice-drafts/").status_code == 404
    assert web.get(f"/org-b/invoice-drafts/{draft.pk}/").status_code == 404
    assert web.post(f"/org-b/invoice-drafts/{draft.pk}/approve/").status_code == 404


def count_queries(fetch) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert fetch().status_code == 200
    return len(queries)


def more_drafts(org, alice, products, n: int, prefix: str) -> None:
    for number in range(n):
        add_client(org, products, f"{prefix} {number:03d}", 9, 2)
    reconcile_organization(org, "test", as_of=AS_OF)
    for item in Finding.objects.filter(organization=org, queued=True, kind="under_billed", status="open"):
        missed_billing.act(item, "apply", actor=alice, role=Role.OWNER)


def test_lists_and_a_draft_stay_within_the_query_budget_as_drafts_grow(world, personas, api, client_for):
    org, alice = world["org"], personas.alice
    more_drafts(org, alice, [world["m365"]], 3, "Few")
    draft = InvoiceDraft.objects.filter(organization=org).first()
    viewer_api, viewer_web = api(personas.member(Role.VIEWER)), client_for(personas.member(Role.VIEWER))
    fetches = (
        lambda: viewer_api.get(BASE + "/invoice-drafts"),
        lambda: viewer_api.get(f"{BASE}/invoice-drafts/{draft.pk}"),
        lambda: viewer_web.get("/org-a/invoice-drafts/"),
        lambda: viewer_web.get(f"/org-a/invoice-drafts/{draft.pk}/"),
    )
    for fetch in fetches:
        fetch()  # warm the session
    before = [count_queries(fetch) for fetch in fetches]
    more_drafts(org, alice, [world["m365"], world["backup"]], 30, "Many")
    after = [count_queries(fetch) for fetch in fetches]
    assert InvoiceDraft.objects.filter(organization=org).count() > 30
    assert max(before) <= MAX_QUERIES and after == before


# ---- the pages -------------------------------------------------------------------------------


def test_the_pages_list_by_status_and_finance_edits_and_approves(world, personas, client_for):
    draft = apply(world["org"], personas.alice, "Acme Dental")
    finance = client_for(personas.member(Role.FINANCE))
    listing = finance.get("/org-a/invoice-drafts/?status=draft")
    assert listing.status_code == 200 and f"Invoice #{draft.pk}" in listing.content.decode()
    line = draft.lines.get()
    saved = finance.post(
        f"/org-a/invoice-drafts/{draft.pk}/save/",
        {f"line-{line.pk}-quantity": "6", f"line-{line.pk}-description": "Six seats", "due_date": "2027-02-01"},
    )
    assert saved.status_code == 302
    line.refresh_from_db()
    assert (line.quantity, line.amount) == (D(6), D("180.00"))
    finance.post(f"/org-a/invoice-drafts/{draft.pk}/approve/")
    page = finance.get(f"/org-a/invoice-drafts/{draft.pk}/").content.decode()
    assert 'data-testid="push"' in page and "Exactly what will be sent to Xero" in page


def test_viewers_read_a_draft_without_its_buttons_and_cannot_post(world, personas, client_for):
    draft = apply(world["org"], personas.alice, "Acme Dental")
    viewer = client_for(personas.member(Role.VIEWER))
    page = viewer.get(f"/org-a/invoice-drafts/{draft.pk}/").content.decode()
    assert 'data-testid="approve"' not in page and "<textarea" not in page
    assert viewer.post(f"/org-a/invoice-drafts/{draft.pk}/approve/").status_code == 403
    assert viewer.post(f"/org-a/invoice-drafts/{draft.pk}/save/", {}).status_code == 403


def test_applying_from_the_queue_page_opens_the_draft(world, personas, client_for):
    item = finding(world["org"], "Acme Dental")
    finance = client_for(personas.member(Role.FINANCE))
    response = finance.post(f"/org-a/missed-billing/{item.pk}/", {"action": "apply"})
    draft = InvoiceDraft.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/org-a/invoice-drafts/{draft.pk}/"


def test_a_quickbooks_draft_says_quickbooks_has_no_draft_state(world, personas, client_for):
    draft = apply(world["org"], personas.alice, "Acme Dental")
    InvoiceDraft.objects.filter(pk=draft.pk).update(target="quickbooks")
    page = client_for(personas.member(Role.VIEWER)).get(f"/org-a/invoice-drafts/{draft.pk}/").content.decode()
    assert "QuickBooks has no draft state" in page and "&quot;EmailStatus&quot;: &quot;NotSet&quot;" in page


def test_pushing_to_a_provider_that_is_not_connected_fails_with_a_clear_message(world, personas):
    draft = apply(world["org"], personas.alice, "Acme Dental")  # the world's Xero connection holds no grant
    Connection.objects.filter(organization=world["org"], provider="xero").update(status="not_connected")
    drafts.approve(draft, actor=personas.alice, role=Role.OWNER)
    draft = draft_push.push(draft, actor=personas.alice, role=Role.OWNER)
    assert draft.status == DraftStatus.FAILED and not draft.rejected
    assert draft.error == "Xero is not connected; connect it on the Integrations page first."


@pytest.mark.parametrize(
    ("term", "today", "period", "label"),
    [
        ("monthly", date(2026, 2, 10), (date(2026, 2, 1), date(2026, 2, 28)), "1 Feb – 28 Feb 2026"),
        ("annual", date(2026, 11, 27), (date(2026, 11, 27), date(2027, 11, 26)), "27 Nov 2026 – 26 Nov 2027"),
        ("annual", date(2028, 2, 29), (date(2028, 2, 29), date(2029, 2, 27)), "29 Feb 2028 – 27 Feb 2029"),
        ("multi_year", date(2026, 1, 31), (date(2026, 1, 31), date(2029, 1, 30)), "31 Jan 2026 – 30 Jan 2029"),
    ],
)
def test_a_line_bills_this_month_or_the_term_from_today(term, today, period, label):
    assert draft_apply.period_of(Finding(term=term), today) == period
    assert draft_apply.period_label(*period) == label
