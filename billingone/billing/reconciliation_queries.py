"""The two aggregate queries behind reconciliation (rules in reconciliation.py).

Both run in the database and return grouped rows only: licensed per client × product × term ×
source, billed per client × item target with each term window folded in SQL.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
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
from django.db.models.functions import Abs, Coalesce, ExtractDay, Lower, TruncMonth

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


@dataclass(frozen=True)
class Billed:
    """One client's billed quantity of one item target per term window, with its line price."""

    by_term: dict[str, tuple[Decimal, Decimal | None]]

    def quantity(self, term: str) -> Decimal:
        return self.by_term.get(term, (ZERO, None))[0]

    def price(self, term: str) -> Decimal | None:
        return self.by_term.get(term, (ZERO, None))[1]


def line_targets(targets: list) -> tuple[list[str], dict]:
    """Lines are matched to targets by their lower-cased item code (one hash lookup per line),
    or, for lines whose code is not mapped, by the first description pattern they contain."""
    codes = [t.value for t in targets if t.kind == "code"]
    mapped = Q(lcode__in=codes) if codes else Q(pk__in=[])
    patterns = [When(description__icontains=t.value, then=Value(i)) for i, t in enumerate(targets) if t.kind != "code"]
    if not patterns:  # every line left is one of the codes: no per-line CASE needed
        return codes, {"code": F("lcode"), "pattern": Value(None, output_field=IntegerField())}
    annotations = {
        "code": Case(When(mapped, then=F("lcode")), default=Value(""), output_field=CharField()),
        "pattern": Case(When(mapped, then=Value(None)), *patterns, default=None, output_field=IntegerField()),
    }
    return codes, annotations


def billed_lines(organization, start: date, end: date, client_ids=None):
    """Lines that count as billed between `start` and `end` (by service period, else invoice date)."""
    # A provider's draft counts when BillingOne pushed it: the gap is billed, awaiting approval there.
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
    ).filter(
        Q(period_start__gte=start, period_start__lte=end)
        | Q(period_start__isnull=True, invoice__issue_date__gte=start, invoice__issue_date__lte=end)
    )
    if client_ids is not None:
        lines = lines.filter(invoice__customer__client_id__in=client_ids)
    return lines


CREDIT = Q(invoice__kind=InvoiceKind.CREDIT_NOTE)
SIGNED_QUANTITY = Sum(Case(When(CREDIT, then=-Abs(F("quantity"))), default=F("quantity")), output_field=QTY)
INVOICE_PRICE = Max(Case(When(~CREDIT & Q(quantity__gt=0), then=F("unit_price"))))
# The largest month of a window: an annual licence is matched by the term's invoice, whenever
# in the last 12 months it was issued (36 for multi-year terms).
LARGEST_MONTH_SELECT = 'SELECT t."client", t."code", t."pattern", MAX(t."qty"), MAX(t."price") FROM'
LARGEST_MONTH_GROUP = 't GROUP BY t."client", t."code", t."pattern"'


def _matched_lines(organization, start: date, end: date, targets: list, client_ids, wanted=None):
    """Lines billing one of `targets` (or only of `wanted`, a subset), with client, code, pattern."""
    _, annotations = line_targets(targets)
    wanted = targets if wanted is None else [t for t in targets if t in wanted]
    lines = billed_lines(organization, start, end, client_ids).annotate(lcode=Lower("item_code"))
    wanted_codes = [t.value for t in wanted if t.kind == "code"]
    matching = Q(lcode__in=wanted_codes) if wanted_codes else Q(pk__in=[])
    for target in wanted:
        if target.kind != "code":
            matching |= Q(description__icontains=target.value)
    return lines.filter(matching).annotate(client=F("invoice__customer__client_id"), **annotations)


def _largest_month(organization, period: Period, term: str, targets: list, client_ids, wanted) -> list[tuple]:
    billed_on = Coalesce("period_start", "invoice__issue_date")
    start, end = period.window_start(term), period.month_end
    per_month = (
        _matched_lines(organization, start, end, targets, client_ids, wanted)
        .annotate(month=TruncMonth(billed_on, output_field=DateField()))
        .values("client", "code", "pattern", "month")
        .order_by()
        .annotate(qty=SIGNED_QUANTITY, price=INVOICE_PRICE)
    )
    inner, params = per_month.query.sql_with_params()
    # `inner` is the ORM's own SQL with its parameters kept apart: nothing user-typed is formatted in.
    sql = " ".join((LARGEST_MONTH_SELECT, f"({inner})", LARGEST_MONTH_GROUP))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def billed_by_target(
    organization, period: Period, targets: list, client_ids=None, long_terms: dict[str, tuple[set, set]] | None = None
) -> dict[tuple[int, int], Billed]:
    """(client, target index) → Billed. This month's lines for every client; the largest month of
    12 (36) for the clients that hold annual (multi-year) licences only."""
    if not targets:
        return {}
    index_of_code = {t.value: i for i, t in enumerate(targets) if t.kind == "code"}
    found: dict[tuple[int, int], dict] = {}

    def keep(rows, term: str) -> None:
        for client, code, pattern, qty, price in rows:
            target = index_of_code.get(code) if code else pattern
            if target is not None:
                found.setdefault((client, target), {})[term] = (_decimal(qty), _price(price))

    this_month = _matched_lines(organization, period.month_start, period.month_end, targets, client_ids)
    rows = this_month.values("client", "code", "pattern").order_by().annotate(qty=SIGNED_QUANTITY, price=INVOICE_PRICE)
    keep(rows.values_list("client", "code", "pattern", "qty", "price"), MONTHLY)
    for term, (clients, wanted) in (long_terms or {}).items():
        if clients and wanted:
            keep(_largest_month(organization, period, term, targets, sorted(clients), wanted), term)
    return {key: Billed(by_term) for key, by_term in found.items()}


def _decimal(value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    return ZERO if value is None else Decimal(str(value))


def _price(value) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value))
