"""The ORM pieces of reconciliation (rules in reconciliation.py): the billing period, the counted
subscriptions grouped as licensed per client × product × term × source, and the invoice lines that
count as billed. reconciliation_sql.py composes them into one statement; evidence.py reuses them.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractDay

from billingone.billing.models import DraftStatus, InvoiceDraft, InvoiceLine, Subscription
from billingone.integrations.records import BillingTerm, InvoiceKind, InvoiceStatus, SubscriptionStatus

ZERO = Decimal(0)
MONTHLY, ANNUAL, MULTI_YEAR = "monthly", "annual", "multi_year"
MONTHS_PER_TERM = {MONTHLY: 1, ANNUAL: 12, MULTI_YEAR: 36}
BILLED_STATUSES = (InvoiceStatus.SUBMITTED, InvoiceStatus.PAID, InvoiceStatus.OVERDUE)
# Free to the client and to the MSP: nothing to bill.
FREE = Q(unit_price=0) & (Q(unit_cost__isnull=True) | Q(unit_cost=0))
QTY = DecimalField(max_digits=20, decimal_places=4)


@dataclass(frozen=True)
class Period:
    """The windows one as-of date implies: its calendar month, and 12 / 36 months back."""

    as_of: date

    @property
    def month_start(self) -> date:
        return self.as_of.replace(day=1)

    @property
    def month_days(self) -> int:
        return calendar.monthrange(self.as_of.year, self.as_of.month)[1]

    @property
    def month_end(self) -> date:
        return self.as_of.replace(day=self.month_days)

    @property
    def month_index(self) -> int:
        return self.as_of.year * 12 + self.as_of.month - 1

    def first_month(self, term: str) -> int:
        return self.month_index - MONTHS_PER_TERM[term] + 1

    def window_start(self, term: str) -> date:
        index = self.first_month(term)
        return date(index // 12, index % 12 + 1, 1)


TERM_GROUP = Case(
    When(billing_term=BillingTerm.ANNUAL, then=Value(ANNUAL)),
    When(billing_term=BillingTerm.MULTI_YEAR, then=Value(MULTI_YEAR)),
    default=Value(MONTHLY),
    output_field=CharField(),
)


def counted_subscriptions(organization, period: Period):
    """The subscriptions that count as licensed in the period (active, or cancelled during it)."""
    ms, me = period.month_start, period.month_end
    rows = Subscription.objects.filter(organization=organization, removed_at__isnull=True)
    rows = rows.filter(Q(status=SubscriptionStatus.ACTIVE) | Q(status=SubscriptionStatus.CANCELLED, end_date__gte=ms))
    rows = rows.exclude(billing_term=BillingTerm.ONE_TIME).exclude(start_date__gt=me).exclude(end_date__lt=ms)
    return rows.exclude(FREE)


def licensed_groups(organization, period: Period, client_ids: list[int] | None = None):
    """Subscriptions grouped by client (or unlinked customer) × product × term group × source."""
    ms, me, as_of = period.month_start, period.month_end, period.as_of
    rows = counted_subscriptions(organization, period)
    if client_ids is not None:
        rows = rows.filter(customer__client_id__in=client_ids)
    start_day = Case(When(start_date__gt=ms, then=ExtractDay("start_date")), default=Value(1))
    end_day = Case(When(end_date__lt=me, then=ExtractDay("end_date")), default=Value(period.month_days))
    days = ExpressionWrapper(end_day - start_day + Value(1), output_field=IntegerField())
    on_as_of = (
        Q(status=SubscriptionStatus.ACTIVE)
        & (Q(start_date__isnull=True) | Q(start_date__lte=as_of))
        & (Q(end_date__isnull=True) | Q(end_date__gte=as_of))
    )
    unlinked = Q(customer__client_id__isnull=True)
    rows = rows.annotate(
        client=F("customer__client_id"),
        unlinked_customer=Case(When(unlinked, then=F("customer_id")), output_field=IntegerField()),
        label=Case(
            When(unlinked, then=Coalesce(F("customer__name"), F("customer_external_id"))),
            default=F("customer__client__name"),
            output_field=CharField(),
        ),
        product_label=Coalesce(F("product__name"), F("product_name"), output_field=CharField()),
        term=TERM_GROUP,
    )
    grouped = rows.values(
        "client", "unlinked_customer", "label", "product_id", "product_label", "term", "source"
    ).order_by()
    return grouped.annotate(
        seat_days=Sum(F("quantity") * days, output_field=QTY),
        current=Sum(Case(When(on_as_of, then=F("quantity")), default=Value(ZERO)), output_field=QTY),
        price=Max("unit_price"),
        cost=Max("unit_cost"),
        currency=Max("currency"),
        subscriptions=Count("id"),
    )


def licensed_quantity(group: dict, period: Period) -> Decimal:
    if group["term"] == MONTHLY:
        return (Decimal(group["seat_days"] or 0) / period.month_days).quantize(Decimal("0.01"))
    return Decimal(group["current"] or 0).quantize(Decimal("0.01"))


def billed_lines_base(organization, client_ids=None):
    """Lines of issued invoices (not voided) of customers linked to a client, and of drafts in the
    provider that BillingOne pushed: that gap is billed, awaiting approval there."""
    pushed = InvoiceDraft.objects.filter(
        organization=organization,
        status=DraftStatus.PUSHED,
        target=OuterRef("invoice__source"),
        external_id=OuterRef("invoice__external_id"),
    )
    lines = InvoiceLine.objects.filter(
        Q(invoice__status__in=BILLED_STATUSES) | Q(invoice__status=InvoiceStatus.DRAFT) & Exists(pushed),
        organization=organization,
        invoice__removed_at__isnull=True,
        invoice__customer__client_id__isnull=False,
    )
    if client_ids is not None:
        lines = lines.filter(invoice__customer__client_id__in=client_ids)
    return lines


def billed_lines(organization, start: date, end: date, client_ids=None):
    """Lines that count as billed between `start` and `end` (by service period, else invoice date)."""
    return billed_lines_base(organization, client_ids).filter(
        Q(period_start__gte=start, period_start__lte=end)
        | Q(period_start__isnull=True, invoice__issue_date__gte=start, invoice__issue_date__lte=end)
    )


CREDIT = Q(invoice__kind=InvoiceKind.CREDIT_NOTE)


def as_decimal(value) -> Decimal:
    """A number as SQL returned it (SQLite: an int or a float) as a Decimal."""
    if isinstance(value, Decimal):
        return value
    return ZERO if value is None else Decimal(str(value))
