"""/api/v1/orgs/{slug}/dashboard (API.md): the mobile Home tab, the same figures as the web Dashboard.

Money is a list of {currency, amount} (the main currency first): amounts in different currencies
are never added together. Links are the web pages that explain each figure.
"""

# No `from __future__ import annotations` here: django-ninja reads the payload types through
# the tenancy wrapper, whose module cannot resolve string annotations of this one.

from datetime import date, datetime

from ninja import Router, Schema

from billingone.api.reconciliation import SourceOut
from billingone.billing import dashboard, dashboard_activity
from billingone.billing.dashboard_views import links
from billingone.orgs.tenancy import org_endpoint

router = Router(tags=["dashboard"])


class Money(Schema):
    currency: str
    amount: str


class MarginOut(Money):
    percent: str | None  # of billed; null when nothing is billed


class CountedMoney(Schema):
    count: int
    amounts: list[Money]


class DraftCounts(Schema):
    pending: int  # draft, approved, pushing or failed
    failed: int


class PendingInvoicesOut(Schema):
    accounting_drafts: CountedMoney  # draft invoices in the accounting system
    billingone_drafts: DraftCounts  # invoice drafts built from the missed-billing queue
    submitted: CountedMoney  # sent, not yet due
    overdue: CountedMoney


class UnderBilledOut(Schema):
    clients: int
    items: int
    monthly_impact: list[Money]


class RecoveredOut(Schema):
    drafts: int  # invoice drafts pushed to the accounting provider
    amounts: list[Money]


class ActivityOut(Schema):
    at: datetime
    kind: str  # sync | reconciliation | finding | draft | push | invoice
    title: str
    detail: str
    tone: str
    url: str | None


class MonthOut(Schema):
    month: str  # YYYY-MM
    billed: str
    cost: str | None  # null when no vendor cost is known in this currency
    margin: str | None
    recovered: str


class SeriesOut(Schema):
    currency: str
    months: list[MonthOut]


class DashboardOut(Schema):
    as_of: date
    currency: str | None  # the main currency (billed most over 12 months)
    empty: bool  # nothing connected or synced: connect Pax8 first
    mrr: list[Money]  # billed this month so far, before tax
    mrr_last_month: list[Money]
    cost: list[Money]  # vendor cost per month
    margin: list[MarginOut]
    active_subscriptions: int
    pending_invoices: PendingInvoicesOut
    under_billed: UnderBilledOut
    recovered: RecoveredOut
    sources: list[SourceOut]
    recent_activity: list[ActivityOut]
    series: list[SeriesOut]
    links: dict[str, str | None]


def _money(data: dashboard.Dashboard, value, *, costed: bool = False) -> list[dict]:
    return [
        {"currency": f.currency, "amount": str(dashboard.cents(value(f)))}
        for f in data.currencies
        if f.has_cost or not costed
    ]


def _series(figures: dashboard.CurrencyFigures) -> dict:
    months = [
        {
            "month": f"{point.month:%Y-%m}",
            "billed": str(point.billed),
            "cost": str(point.cost) if figures.has_cost else None,
            "margin": str(point.margin) if figures.has_cost else None,
            "recovered": str(point.recovered),
        }
        for point in figures.months
    ]
    return {"currency": figures.currency, "months": months}


def _margins(data: dashboard.Dashboard) -> list[dict]:
    return [
        {
            "currency": f.currency,
            "amount": str(f.this_month.margin),
            "percent": None if f.this_month.margin_percent is None else str(f.this_month.margin_percent),
        }
        for f in data.currencies
        if f.has_cost
    ]


def _nonzero(data: dashboard.Dashboard, value) -> list[dict]:
    return [money for money in _money(data, value) if money["amount"] != "0.00"]


def _pending(data: dashboard.Dashboard) -> dict:
    counts = data.counts
    return {
        "accounting_drafts": {"count": counts.accounting_drafts, "amounts": _nonzero(data, lambda f: f.pending_drafts)},
        "billingone_drafts": {"pending": counts.pending_drafts, "failed": counts.failed_drafts},
        **{
            status: {"count": counts.unpaid[status], "amounts": _nonzero(data, lambda f, s=status: f.unpaid[s])}
            for status in ("submitted", "overdue")
        },
    }


def payload(request, data: dashboard.Dashboard, slug: str) -> dict:
    absolute = request.build_absolute_uri
    activity = dashboard_activity.merged(data.activity, data.latest_invoices, slug)
    return {
        "as_of": data.as_of,
        "currency": data.main.currency if data.main else None,
        "empty": data.is_empty,
        "mrr": _money(data, lambda f: f.this_month.billed),
        "mrr_last_month": _money(data, lambda f: f.last_month.billed),
        "cost": _money(data, lambda f: f.this_month.cost, costed=True),
        "margin": _margins(data),
        "active_subscriptions": data.counts.active_subscriptions,
        "pending_invoices": _pending(data),
        "under_billed": {
            "clients": data.under_billed_clients,
            "items": data.counts.under_billed_items,
            "monthly_impact": _nonzero(data, lambda f: f.under_billed_impact),
        },
        "recovered": {"drafts": data.counts.pushed_drafts, "amounts": _nonzero(data, lambda f: f.recovered)},
        "sources": [source.payload() for source in data.sources],
        "recent_activity": [{**item.__dict__, "url": absolute(item.url) if item.url else None} for item in activity],
        "series": [_series(f) for f in data.currencies],
        "links": {name: absolute(url) if url else None for name, url in links(slug).items()},
    }


@router.get("/orgs/{slug}/dashboard", response=DashboardOut, summary="The organization's billing at a glance")
@org_endpoint("org.view")
def organization_dashboard(request, slug: str):
    organization = request.organization
    return payload(request, dashboard.build(organization), organization.slug)
