"""The Dashboard (web home and GET /api/v1/orgs/{slug}/dashboard): its figures equal sums computed
here, independently, from the synced rows; currencies are never added together; an organization
with nothing connected is told to connect Pax8; every member reads it, outsiders get 404; its
statements do not grow with the data."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billingone.billing.draft_models import DraftKind, DraftStatus, InvoiceDraft
from billingone.billing.finding_models import Finding, Outcome, QueueStatus
from billingone.billing.models import Invoice, Subscription
from billingone.billing.tests.builders import client, connect, invoice, product, subscription
from billingone.integrations.records import InvoiceStatus
from billingone.orgs.roles import Role
from billingone.testing.queries import PAGE_BUDGET, assert_flat

TODAY = timezone.localdate()
THIS_MONTH = TODAY.replace(day=1)
PAST_DUE = TODAY - timedelta(days=3)
TERM_MONTHS = {"annual": 12, "multi_year": 36}


def months_back(n: int) -> date:
    index = THIS_MONTH.year * 12 + THIS_MONTH.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


def month_end(start: date) -> date:
    index = start.year * 12 + start.month  # the next month's index
    return date(index // 12, index % 12 + 1, 1) - timedelta(days=1)


WINDOW = [months_back(n) for n in range(11, -1, -1)]


def billed_invoice(org, contact, amount, *, issued, currency="AUD", **extra):
    extra.setdefault("status", InvoiceStatus.PAID)
    row = invoice(org, contact, [("M365BP", 1, amount)], issued=issued, **extra)
    Invoice.objects.filter(pk=row.pk).update(
        subtotal=Decimal(amount), total=Decimal(amount) * Decimal("1.1"), currency=currency
    )
    return row


def finding(org, client_row, label, impact, *, currency="AUD", status=QueueStatus.OPEN, kind=Outcome.UNDER_BILLED):
    return Finding.objects.create(
        organization=org,
        key=f"{label}:{impact}:{currency}:{status}:{kind}",
        client=client_row,
        client_label=client_row.name,
        product_label=label,
        kind=kind,
        monthly_impact=Decimal(impact),
        currency=currency,
        status=status,
        queued=True,
        current=True,
    )


def draft(org, client_row, total, *, status, kind=DraftKind.INVOICE, currency="AUD"):
    pushed = timezone.now() - timedelta(days=1) if status == DraftStatus.PUSHED else None
    return InvoiceDraft.objects.create(
        organization=org,
        client=client_row,
        target="xero",
        kind=kind,
        status=status,
        currency=currency,
        total=Decimal(total),
        pushed_at=pushed,
    )


@pytest.fixture
def world(personas):
    """An AUD business with a small USD side, every status and term the rules name."""
    org = personas.org_a
    connect(org, "pax8")
    connect(org, "xero")
    m365 = product(org, "Microsoft 365 Business Premium", code="M365BP")
    acme_row, acme, acme_x = client(org, "Acme Dental")
    harbor_row, harbor, harbor_x = client(org, "Harbor Legal")
    # Vendor side: monthly, annual, multi-year, one-time, a cancelled one inside and one before the window,
    # a suspended one, one without a cost, one removed at the source, and a USD one starting 3 months ago.
    subscription(org, acme, m365, 10, unit_cost="25", start_date=months_back(20))
    subscription(org, acme, m365, 2, unit_cost="240", billing_term="annual", start_date=months_back(5))
    subscription(org, harbor, m365, 1, unit_cost="720", billing_term="multi_year")
    subscription(org, harbor, m365, 3, unit_cost="99", billing_term="one_time")
    subscription(org, harbor, m365, 4, unit_cost="10", status="cancelled", end_date=months_back(2) + timedelta(days=9))
    subscription(org, harbor, m365, 4, unit_cost="10", status="cancelled", end_date=months_back(14))
    subscription(org, harbor, m365, 5, unit_cost="12", status="suspended")
    subscription(org, harbor, m365, 6, unit_cost=None)
    gone = subscription(org, harbor, m365, 7, unit_cost="50")
    Subscription.objects.filter(pk=gone.pk).update(removed_at=timezone.now())
    Subscription.objects.filter(
        pk=subscription(org, harbor, m365, 3, unit_cost="8", start_date=months_back(3)).pk
    ).update(currency="USD")
    # Accounting side: paid, sent, overdue, a credit note, a draft, a voided one, one before the window, USD.
    billed_invoice(org, acme_x, "300", issued=THIS_MONTH)
    billed_invoice(
        org,
        acme_x,
        "500",
        issued=THIS_MONTH,
        status=InvoiceStatus.SUBMITTED,
        due_date=TODAY + timedelta(days=9),
        amount_due=550,
    )
    billed_invoice(
        org, harbor_x, "200", issued=months_back(1), status=InvoiceStatus.SUBMITTED, due_date=PAST_DUE, amount_due=220
    )
    billed_invoice(org, harbor_x, "50", issued=months_back(1), kind="credit_note")
    billed_invoice(org, harbor_x, "75", issued=THIS_MONTH, status=InvoiceStatus.DRAFT, amount_due=82.5)
    billed_invoice(org, harbor_x, "999", issued=THIS_MONTH, status=InvoiceStatus.VOIDED)
    billed_invoice(org, harbor_x, "400", issued=months_back(6))
    billed_invoice(org, harbor_x, "4000", issued=months_back(13))
    billed_invoice(org, harbor_x, "120", issued=months_back(2), currency="USD")
    # The queue: open under-billing in AUD (two clients) and USD, and items that do not count.
    finding(org, acme_row, "M365", "90")
    finding(org, acme_row, "Defender", "15")
    finding(org, harbor_row, "M365", "30")
    finding(org, harbor_row, "Backup", "40", currency="USD")
    finding(org, harbor_row, "Intune", "500", status=QueueStatus.SNOOZED)
    finding(org, harbor_row, "Firewall", "60", kind=Outcome.OVER_BILLED)
    # Drafts: pushed invoices recover money; a pushed credit note, pending and failed ones do not.
    draft(org, acme_row, "270", status=DraftStatus.PUSHED)
    draft(org, harbor_row, "33", status=DraftStatus.PUSHED, currency="USD")
    draft(org, harbor_row, "60", status=DraftStatus.PUSHED, kind=DraftKind.CREDIT_NOTE)
    draft(org, acme_row, "45", status=DraftStatus.APPROVED)
    draft(org, harbor_row, "12", status=DraftStatus.FAILED)
    return org


# ---- the sums, computed the long way from the rows ----


def expected_billed(org, currency: str, start: date) -> Decimal:
    total = Decimal(0)
    for row in Invoice.objects.filter(organization=org, currency=currency, removed_at__isnull=True):
        if row.display_status(TODAY) in ("submitted", "paid", "overdue") and start <= row.issue_date <= month_end(
            start
        ):
            total += -row.subtotal if row.kind == "credit_note" else row.subtotal
    return total


def expected_cost(org, currency: str, start: date) -> Decimal:
    total = Decimal(0)
    for row in Subscription.objects.filter(organization=org, currency=currency, removed_at__isnull=True):
        if row.unit_cost is None or row.billing_term == "one_time":
            continue
        began = row.start_date is None or row.start_date <= month_end(start)
        if row.status == "active":
            running = began
        elif row.status == "cancelled":
            running = began and row.end_date is not None and row.end_date >= start and row.end_date >= WINDOW[0]
        else:
            running = False
        if running:
            total += row.unit_cost * row.quantity / TERM_MONTHS.get(row.billing_term, 1)
    return total.quantize(Decimal("0.01"))


def expected_unpaid(org, status: str) -> tuple[int, Decimal]:
    rows = [
        row
        for row in Invoice.objects.filter(organization=org, kind="invoice", currency="AUD")
        if row.display_status(TODAY) == status
    ]
    return len(rows), sum((row.amount_due for row in rows), Decimal(0))


def money(entries: list[dict]) -> dict[str, Decimal]:
    return {entry["currency"]: Decimal(entry["amount"]) for entry in entries}


@pytest.fixture
def api(client, app_token):
    def get(user, slug="org-a"):
        return client.get(f"/api/v1/orgs/{slug}/dashboard", headers={"X-Session-Token": app_token(user)})

    return get


def test_the_figures_equal_sums_computed_from_the_synced_rows(world, api, personas):
    body = api(personas.bob).json()
    assert body["currency"] == "AUD" and not body["empty"]
    assert money(body["mrr"]) == {
        "AUD": expected_billed(world, "AUD", THIS_MONTH),
        "USD": expected_billed(world, "USD", THIS_MONTH),
    }
    assert money(body["mrr"])["AUD"] == Decimal("800")  # paid 300 + sent 500; the draft and the voided one do not count
    assert money(body["mrr_last_month"])["AUD"] == expected_billed(world, "AUD", months_back(1)) == Decimal("150")
    assert money(body["cost"]) == {
        "AUD": expected_cost(world, "AUD", THIS_MONTH),
        "USD": expected_cost(world, "USD", THIS_MONTH),
    }
    aud_margin = next(m for m in body["margin"] if m["currency"] == "AUD")
    margin = expected_billed(world, "AUD", THIS_MONTH) - expected_cost(world, "AUD", THIS_MONTH)
    assert Decimal(aud_margin["amount"]) == margin
    assert Decimal(aud_margin["percent"]) == (margin * 100 / Decimal(800)).quantize(Decimal("0.1"))
    assert (
        body["active_subscriptions"]
        == Subscription.objects.filter(organization=world, status="active", removed_at__isnull=True).count()
    )
    for status in ("submitted", "overdue"):
        count, due = expected_unpaid(world, status)
        assert body["pending_invoices"][status]["count"] == count
        assert money(body["pending_invoices"][status]["amounts"]) == {"AUD": due}
    assert body["pending_invoices"]["accounting_drafts"]["count"] == 1
    assert body["pending_invoices"]["billingone_drafts"] == {"pending": 2, "failed": 1}
    assert body["under_billed"] == {
        "clients": 3,  # Acme and Harbor in AUD, Harbor in USD: a client counts once per currency
        "items": 4,
        "monthly_impact": [{"currency": "AUD", "amount": "135.00"}, {"currency": "USD", "amount": "40.00"}],
    }
    assert body["recovered"] == {
        "drafts": 2,
        "amounts": [{"currency": "AUD", "amount": "270.00"}, {"currency": "USD", "amount": "33.00"}],
    }


def test_the_12_month_series_per_currency(world, api, personas):
    series = {entry["currency"]: entry["months"] for entry in api(personas.bob).json()["series"]}
    assert [m["month"] for m in series["AUD"]] == [f"{start:%Y-%m}" for start in WINDOW]
    for start, point in zip(WINDOW, series["AUD"], strict=True):
        assert Decimal(point["billed"]) == expected_billed(world, "AUD", start), start
        assert Decimal(point["cost"]) == expected_cost(world, "AUD", start), start
        assert Decimal(point["margin"]) == Decimal(point["billed"]) - Decimal(point["cost"])
    assert sum(Decimal(p["billed"]) for p in series["AUD"]) == Decimal(800 + 150 + 400)  # 4000 is 13 months old
    assert Decimal(series["AUD"][-1]["recovered"]) == Decimal(270)
    assert [Decimal(p["cost"]) for p in series["USD"]][-4:] == [Decimal(24)] * 4  # started 3 months ago
    assert Decimal(series["USD"][-5]["cost"]) == 0


def test_currencies_are_shown_apart_main_currency_first(world, client_for, personas):
    page = client_for(personas.bob).get("/org-a/").content.decode()
    assert 'data-testid="currency-switch"' in page and 'data-testid="by-currency"' in page
    assert "800.00" in page and "amounts in AUD" in page
    usd = client_for(personas.bob).get("/org-a/", {"currency": "USD"}).content.decode()
    assert "amounts in USD" in usd and "120.00" not in usd.split('data-testid="kpi-mrr"')[1].split("</a>")[0]
    assert "920.00" not in page  # 800 AUD + 120 USD is never one figure
    assert "2 clients · 3 open items" in page and "1 client · 1 open item" in usd  # counts follow the currency
    assert "1 draft pushed to your books" in usd and "33.00" in usd


def test_invoices_without_a_currency_never_take_the_main_place(world, client_for, personas):
    """A PSA that sends no currency (SuperOps) bills this month: the page still opens on the main
    currency; the blank one is a choice of its own (`?currency=`)."""
    org = personas.org_a
    _, _, cedar_x = client(org, "Cedar Dental")
    billed_invoice(org, cedar_x, "5000", issued=months_back(0), currency="")
    page = client_for(personas.bob).get("/org-a/").content.decode()
    assert "amounts in AUD" in page and "(none)" in page
    blank = client_for(personas.bob).get("/org-a/", {"currency": ""}).content.decode()
    assert "amounts in AUD" not in blank and "5,000.00" in blank


def test_every_number_links_to_the_page_that_explains_it(world, client_for, personas):
    page = client_for(personas.bob).get("/org-a/").content.decode()
    for testid, target in (
        ("kpi-mrr", "/org-a/invoices/"),
        ("kpi-cost", "/org-a/subscriptions/?status=active"),
        ("kpi-margin", "/org-a/reconciliation/"),
        ("kpi-subscriptions", "/org-a/subscriptions/?status=active"),
        ("kpi-under-billed", "/org-a/missed-billing/?kind=under_billed"),
        ("kpi-unpaid", "/org-a/invoices/?status=submitted"),
        ("kpi-overdue", "/org-a/invoices/?status=overdue"),
    ):
        assert f'href="{target}" data-testid="{testid}"' in page, testid
    assert 'href="/org-a/settings/integrations/"' in page.split('data-testid="sources"')[1]
    assert 'href="/org-a/invoices/?status=draft"' in page


def test_an_organization_with_nothing_connected_is_told_to_connect_pax8_first(personas, client_for, api):
    owner_b = personas.charlie
    page = client_for(owner_b).get("/org-b/").content.decode()
    assert 'data-testid="dashboard-empty"' in page and "Connect Pax8 first" in page
    assert 'href="/org-b/settings/integrations/pax8/"' in page
    assert 'data-testid="kpi-mrr"' not in page  # no zeros that look like figures
    body = api(owner_b, "org-b").json()
    assert body["empty"] and body["mrr"] == [] and body["series"] == [] and body["currency"] is None


@pytest.mark.parametrize("role", list(Role))
def test_every_member_reads_the_dashboard(world, role, client_for, api, personas):
    user = personas.member(role)
    assert client_for(user).get("/org-a/").status_code == 200
    assert api(user).status_code == 200


def test_a_viewer_is_not_offered_to_connect(personas, client_for):
    page = client_for(personas.bob).get("/org-a/").content.decode()
    assert "Connect Pax8 first" in page and 'data-testid="connect-pax8"' not in page


def test_outsiders_get_404(world, client_for, api, personas):
    assert client_for(personas.charlie).get("/org-a/").status_code == 404
    response = api(personas.charlie)
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_recent_activity_shows_syncs_reconciliations_and_invoices(world, api, personas):
    from billingone.billing.reconciliation import reconcile_organization

    reconcile_organization(world, "test")
    kinds = {item["kind"] for item in api(personas.bob).json()["recent_activity"]}
    assert {"reconciliation", "invoice"} <= kinds


def grow(org):
    """Hundreds more rows of every kind the Dashboard reads, in bulk."""
    from billingone.audit.log import record

    acme = Subscription.objects.filter(organization=org).first().customer
    contact = Invoice.objects.filter(organization=org).first().customer
    for n in range(60):
        subscription(org, acme, None, n + 1, unit_cost="3", product_name=f"SKU {n}", start_date=months_back(n % 15))
        billed_invoice(org, contact, str(n + 10), issued=months_back(n % 14), currency=("AUD", "USD", "NZD")[n % 3])
        client_row = acme.client
        finding(org, client_row, f"P{n}", str(n + 1), currency=("AUD", "NZD")[n % 2])
        draft(org, client_row, str(n), status=DraftStatus.PUSHED)
        record("reconciliation.run", organization=org, data={"new_or_grown": n, "resolved": 0})


def test_statements_stay_flat_and_within_budget(world, client_for, personas, app_token, django_assert_max_num_queries):
    browser = client_for(personas.alice)
    web = assert_flat(browser, "/org-a/", lambda: None)
    headers = {"X-Session-Token": app_token(personas.alice)}
    api_statements = assert_flat(browser.__class__(), "/api/v1/orgs/org-a/dashboard", lambda: grow(world), headers)
    assert assert_flat(browser, "/org-a/", lambda: None) == web  # after growing: the same count
    assert web <= PAGE_BUDGET and api_statements <= PAGE_BUDGET
    with django_assert_max_num_queries(PAGE_BUDGET):
        browser.get("/org-a/")


def test_syncs_and_draft_pushes_read_as_activity_with_their_outcome():
    from billingone.audit.models import AuditEvent
    from billingone.billing.dashboard_activity import activity_of

    now = timezone.now()
    failed_sync = AuditEvent(
        action="integration.sync.fail", created_at=now, data={"provider": "xero", "error": "token revoked"}
    )
    synced = AuditEvent(
        action="integration.sync.succeed", created_at=now, data={"provider": "pax8", "counts": {"created": 3}}
    )
    pushed = AuditEvent(
        action="invoice_draft.push", created_at=now, target_id="7", target_label="Acme", data={"outcome": "pushed"}
    )
    refused = AuditEvent(
        action="invoice_draft.push", created_at=now, target_id="7", target_label="Acme",
        data={"outcome": "failed", "error": "Unknown item code"},
    )  # fmt: skip
    assert (activity_of(failed_sync, "org-a").title, activity_of(failed_sync, "org-a").tone) == (
        "Xero sync failed",
        "danger",
    )
    assert activity_of(failed_sync, "org-a").detail == "token revoked"
    assert activity_of(synced, "org-a").detail == "3 new" and activity_of(synced, "org-a").tone == "success"
    assert activity_of(pushed, "org-a").kind == "push" and activity_of(pushed, "org-a").tone == "success"
    assert (
        activity_of(refused, "org-a").tone == "danger" and "Unknown item code" in activity_of(refused, "org-a").detail
    )


def test_connected_but_not_synced_yet_shows_sources_and_no_made_up_figures(personas, client_for, api):
    connect(personas.org_a, "pax8", synced=False)
    page = client_for(personas.alice).get("/org-a/").content.decode()
    assert 'data-testid="dashboard-empty"' not in page and 'data-testid="source-pax8"' in page
    assert "has not finished a sync yet" in page and 'data-testid="dashboard-waiting"' in page
    assert 'data-testid="chart-mrr"' not in page  # no currency has any figure yet: no chart of zeros
    body = api(personas.alice).json()
    assert not body["empty"] and body["mrr"] == [] and body["sources"][0]["state"] == "missing"
