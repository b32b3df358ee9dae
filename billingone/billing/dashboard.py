"""The Dashboard: an organization's billing at a glance, the same figures for the web page and the API.

Rules (docs/dashboard.md):
- MRR billed for a month is the revenue before tax of the month's invoices from the billing
  sources (sent, paid or overdue; credit notes subtract; drafts and voided invoices do not count).
- Vendor cost for a month is unit cost × quantity of the subscriptions running that month, a
  period's price spread over its term's months (annual ÷ 12, multi-year ÷ 36); one-time purchases
  are not monthly cost. Margin is billed − cost.
- Amounts are never added across currencies: every money figure is a list, one entry per
  currency, the organization's main currency (the one it bills most in) first.
- Under-billed: the open under-billed items of the missed-billing queue (clients, monthly impact).
- Recovered: the totals of invoice drafts pushed to the accounting provider.

`build()` runs one grouped query per table (dashboard_queries.py), whatever the data size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone

from billingone.billing import dashboard_activity, dashboard_queries
from billingone.billing.coverage import SourceCoverage, source_coverage
from billingone.billing.dashboard_queries import Window
from billingone.billing.draft_models import DraftKind, DraftStatus
from billingone.integrations.base import Side
from billingone.integrations.records import InvoiceKind, InvoiceStatus, SubscriptionStatus

ZERO = Decimal(0)
CENTS = Decimal("0.01")
BILLED = (InvoiceStatus.SUBMITTED, InvoiceStatus.PAID, InvoiceStatus.OVERDUE)
UNPAID = (InvoiceStatus.SUBMITTED, InvoiceStatus.OVERDUE)
PENDING_DRAFTS = (DraftStatus.DRAFT, DraftStatus.APPROVED, DraftStatus.PUSHING, DraftStatus.FAILED)


def cents(value) -> Decimal:
    return Decimal(value or 0).quantize(CENTS)


def as_month(value: str | None) -> date | None:
    """A month bucket ("2026-11", dashboard_queries.month_bucket) as the month's first day."""
    return date(int(value[:4]), int(value[5:7]), 1) if value else None


@dataclass
class MonthPoint:
    month: date
    billed: Decimal = ZERO
    cost: Decimal = ZERO
    recovered: Decimal = ZERO

    @property
    def margin(self) -> Decimal:
        return self.billed - self.cost

    @property
    def short(self) -> str:
        return f"{self.month:%b}"  # "Nov": a chart label and a card's note

    @property
    def margin_percent(self) -> Decimal | None:
        return (self.margin * 100 / self.billed).quantize(Decimal("0.1")) if self.billed > 0 else None


@dataclass
class CurrencyFigures:
    """Everything in one currency: the 12-month series and this month's cards."""

    currency: str
    months: list[MonthPoint]
    has_cost: bool = False  # some subscription in this currency carries a unit cost
    pending_drafts: Decimal = ZERO  # accounting-side drafts, not sent yet
    pending_drafts_count: int = 0
    unpaid: dict[str, Decimal] = field(default_factory=lambda: {status.value: ZERO for status in UNPAID})
    unpaid_count: dict[str, int] = field(default_factory=lambda: {status.value: 0 for status in UNPAID})
    under_billed_clients: int = 0
    under_billed_items: int = 0
    under_billed_impact: Decimal = ZERO
    recovered: Decimal = ZERO  # all pushed drafts, all time
    recovered_drafts: int = 0

    @property
    def this_month(self) -> MonthPoint:
        return self.months[-1]

    @property
    def last_month(self) -> MonthPoint:
        return self.months[-2]

    @property
    def billed_total(self) -> Decimal:
        return sum((point.billed for point in self.months), ZERO)


@dataclass
class Counts:
    active_subscriptions: int = 0
    accounting_drafts: int = 0
    unpaid: dict[str, int] = field(default_factory=lambda: {status.value: 0 for status in UNPAID})
    under_billed_items: int = 0
    pending_drafts: int = 0  # ours: draft, approved, pushing or failed
    failed_drafts: int = 0
    pushed_drafts: int = 0


@dataclass
class Dashboard:
    as_of: date
    months: list[date]
    currencies: list[CurrencyFigures]  # the main currency first
    counts: Counts
    sources: list[SourceCoverage]
    activity: list[dashboard_activity.Activity]
    latest_invoices: list

    @property
    def main(self) -> CurrencyFigures | None:
        return self.currencies[0] if self.currencies else None

    @property
    def has_vendor_source(self) -> bool:
        return any(source.side == Side.VENDOR for source in self.sources)

    @property
    def has_billing_source(self) -> bool:
        return any(source.side == Side.BILLING for source in self.sources)

    @property
    def is_empty(self) -> bool:
        """Nothing connected and nothing synced: the page invites connecting Pax8 first."""
        return not self.sources

    @property
    def under_billed_clients(self) -> int:
        # A client under-billed in two currencies counts in each (its items are per currency).
        return sum(figures.under_billed_clients for figures in self.currencies)


class Folder:
    """Folds the grouped rows into per-currency figures."""

    def __init__(self, window: Window):
        self.window = window
        self.index = {month: i for i, month in enumerate(window.months)}
        self.by_currency: dict[str, CurrencyFigures] = {}
        self.counts = Counts()
        self.row_counts: dict[str, dict[str, int]] = {"subscriptions": defaultdict(int), "invoices": defaultdict(int)}

    def figures(self, currency: str) -> CurrencyFigures:
        if currency not in self.by_currency:
            months = [MonthPoint(month) for month in self.window.months]
            self.by_currency[currency] = CurrencyFigures(currency, months)
        return self.by_currency[currency]

    def point(self, currency: str, month: date | None) -> MonthPoint | None:
        index = self.index.get(as_month(month))
        return None if index is None else self.figures(currency).months[index]

    def invoices(self, rows: list[dict]) -> None:
        for row in rows:
            self.row_counts["invoices"][row["source"]] += row["count"]
            credit = row["kind"] == InvoiceKind.CREDIT_NOTE
            if row["shown"] in BILLED and (point := self.point(row["currency"], row["month"])) is not None:
                point.billed += -(row["subtotal"] or ZERO) if credit else (row["subtotal"] or ZERO)
            if credit:
                continue
            figures = self.figures(row["currency"])
            if row["shown"] == InvoiceStatus.DRAFT:
                self.counts.accounting_drafts += row["count"]
                figures.pending_drafts += row["due"] or ZERO
                figures.pending_drafts_count += row["count"]
            elif row["shown"] in UNPAID:
                self.counts.unpaid[row["shown"]] += row["count"]
                figures.unpaid[row["shown"]] += row["due"] or ZERO
                figures.unpaid_count[row["shown"]] += row["count"]

    def subscriptions(self, rows: list[dict]) -> None:
        for row in rows:
            self.row_counts["subscriptions"][row["source"]] += row["count"]
            if row["status"] == SubscriptionStatus.ACTIVE:
                self.counts.active_subscriptions += row["count"]
            if not row["costs"] or row["monthly_cost"] is None:
                continue
            figures = self.figures(row["currency"])
            figures.has_cost = True
            start = as_month(row["start_month"]) or self.window.start
            end = as_month(row["end_month"]) or self.window.current
            for point in figures.months:
                if start <= point.month <= end:
                    point.cost += row["monthly_cost"]

    def under_billed(self, rows: list[dict]) -> None:
        for row in rows:
            figures = self.figures(row["currency"])
            figures.under_billed_clients += row["clients"]
            figures.under_billed_impact += row["impact"] or ZERO
            figures.under_billed_items += row["count"]
            self.counts.under_billed_items += row["count"]

    def drafts(self, rows: list[dict]) -> None:
        for row in rows:
            if row["status"] in PENDING_DRAFTS:
                self.counts.pending_drafts += row["count"]
                self.counts.failed_drafts += row["count"] if row["status"] == DraftStatus.FAILED else 0
            if row["status"] != DraftStatus.PUSHED or row["kind"] != DraftKind.INVOICE:
                continue  # a pushed credit note gives money back: it is not recovered
            self.counts.pushed_drafts += row["count"]
            self.figures(row["currency"]).recovered += row["total"] or ZERO
            self.figures(row["currency"]).recovered_drafts += row["count"]
            if (point := self.point(row["currency"], row["month"])) is not None:
                point.recovered += row["total"] or ZERO

    def currencies(self) -> list[CurrencyFigures]:
        """Main currency first: the one billed most over the 12 months, then by vendor cost; rows
        without a currency (a provider that sends none) never lead."""
        for figures in self.by_currency.values():
            for point in figures.months:
                point.billed, point.cost, point.recovered = map(cents, (point.billed, point.cost, point.recovered))
            figures.under_billed_impact = cents(figures.under_billed_impact)
            figures.recovered = cents(figures.recovered)
        ranked = sorted(
            self.by_currency.values(),
            key=lambda f: (not f.currency, -f.billed_total, -sum(p.cost for p in f.months), f.currency),
        )
        return ranked


def build(organization, today: date | None = None) -> Dashboard:
    window = Window(today or timezone.localdate())
    folder = Folder(window)
    folder.invoices(dashboard_queries.invoice_groups(organization, window))
    folder.subscriptions(dashboard_queries.subscription_groups(organization, window))
    folder.under_billed(dashboard_queries.under_billed_groups(organization))
    folder.drafts(dashboard_queries.draft_groups(organization, window))
    counts = {kind: dict(values) for kind, values in folder.row_counts.items()}
    return Dashboard(
        as_of=window.today,
        months=window.months,
        currencies=folder.currencies(),
        counts=folder.counts,
        sources=source_coverage(organization, counts=counts),
        activity=dashboard_activity.recent(organization),
        latest_invoices=dashboard_activity.latest_invoices(organization),
    )
