"""The grouped queries behind the Dashboard: one per table, each returning a bounded number of rows.

Every query aggregates in the database and groups by a handful of small columns (source, currency,
status, a month bucket clamped to the 12-month window), so the rows it returns do not grow with
the data: 10 invoices and 10 million give the same few dozen groups. dashboard.py folds them into
figures per currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Substr
from django.utils import timezone

from billingone.billing.draft_models import InvoiceDraft
from billingone.billing.finding_models import Finding, Outcome, QueueStatus
from billingone.billing.models import Invoice, Subscription
from billingone.integrations.records import BillingTerm, InvoiceStatus, SubscriptionStatus

MONEY = DecimalField(max_digits=20, decimal_places=4)
# A vendor price is per billing period; this many months make one period (reconciliation's rule).
MONTHS_PER_TERM = {BillingTerm.ANNUAL: 12, BillingTerm.MULTI_YEAR: 36}


@dataclass(frozen=True)
class Window:
    """The 12 calendar months that end with the month of `today`."""

    today: date

    @property
    def months(self) -> list[date]:
        index = self.today.year * 12 + self.today.month - 1
        return [date((index - back) // 12, (index - back) % 12 + 1, 1) for back in range(11, -1, -1)]

    @property
    def start(self) -> date:
        return self.months[0]

    @property
    def start_moment(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def current(self) -> date:
        return self.months[-1]


def month_bucket(field: str, window: Window, *, moment: bool = False) -> Case:
    """The field's month inside the window as "YYYY-MM"; null before it (and when the field is null).

    The first seven characters of the ISO text of a date (or a UTC timestamp): native on SQLite
    and PostgreSQL alike, where TruncMonth is a Python function per row on SQLite.
    """
    since = window.start_moment if moment else window.start
    return Case(
        When(**{f"{field}__gte": since}, then=Substr(Cast(field, CharField()), 1, 7)),
        default=None,
        output_field=CharField(),
    )


def invoice_groups(organization, window: Window) -> list[dict]:
    """Live invoices grouped by source × currency × kind × status as shown (overdue derived) × issue month.

    Sums: subtotal (revenue before tax), amount due, and the count. Feeds billed per month,
    the pending (draft / unpaid) cards, and each source's row count.
    """
    shown_status = Case(
        When(status=InvoiceStatus.SUBMITTED, due_date__lt=window.today, then=Value(InvoiceStatus.OVERDUE.value)),
        default=F("status"),
        output_field=CharField(),
    )
    rows = Invoice.objects.filter(organization=organization, removed_at__isnull=True)
    rows = rows.annotate(month=month_bucket("issue_date", window), shown=shown_status)
    grouped = rows.values("source", "currency", "kind", "shown", "month").order_by()
    return list(grouped.annotate(subtotal=Sum("subtotal"), due=Sum("amount_due"), count=Count("pk")))


def _monthly_cost():
    """unit cost × quantity for one month: a period's price spread over the months of its term."""
    per_period = ExpressionWrapper(F("unit_cost") * F("quantity"), output_field=MONEY)
    months = Case(
        *[When(billing_term=term, then=Value(n)) for term, n in MONTHS_PER_TERM.items()],
        default=Value(1),
        output_field=IntegerField(),
    )
    return ExpressionWrapper(per_period / months, output_field=MONEY)


def subscription_groups(organization, window: Window) -> list[dict]:
    """Live subscriptions grouped by source × currency × status × whether they cost × start and end month.

    A subscription costs its monthly cost in every month from its start to its end (an active
    one runs to today; a cancelled one to its end date). Start months before the window fold
    into null, end months past today too, so the groups stay few whatever the row count.
    """
    rows = Subscription.objects.filter(organization=organization, removed_at__isnull=True)
    costs = Q(status=SubscriptionStatus.ACTIVE) | Q(status=SubscriptionStatus.CANCELLED, end_date__gte=window.start)
    rows = rows.annotate(
        start_month=month_bucket("start_date", window),
        end_month=Case(
            When(status=SubscriptionStatus.CANCELLED, then=month_bucket("end_date", window)),
            default=None,
            output_field=CharField(),
        ),
        costs=Case(
            When(costs & ~Q(billing_term=BillingTerm.ONE_TIME), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )
    grouped = rows.values("source", "currency", "status", "costs", "start_month", "end_month").order_by()
    return list(grouped.annotate(monthly_cost=Sum(_monthly_cost()), count=Count("pk")))


def owner_key():
    """One id per client, or per unlinked company (negative), for counting clients."""
    return Case(
        When(client_id__isnull=False, then=F("client_id")),
        default=ExpressionWrapper(Value(0) - F("customer_id"), output_field=IntegerField()),
        output_field=IntegerField(),
    )


def under_billed_groups(organization) -> list[dict]:
    """Open under-billing in the queue per currency: distinct clients and the monthly impact."""
    rows = Finding.objects.filter(
        organization=organization,
        queued=True,
        current=True,
        kind=Outcome.UNDER_BILLED,
        status=QueueStatus.OPEN,
    )
    grouped = rows.annotate(owner=owner_key()).values("currency").order_by()
    counted = grouped.annotate(clients=Count("owner", distinct=True), impact=Sum("monthly_impact"), count=Count("pk"))
    return list(counted)


def draft_groups(organization, window: Window) -> list[dict]:
    """Invoice drafts grouped by currency × kind × status × pushed month: recovered money and pending drafts."""
    rows = InvoiceDraft.objects.filter(organization=organization)
    rows = rows.annotate(month=month_bucket("pushed_at", window, moment=True))
    grouped = rows.values("currency", "kind", "status", "month").order_by()
    return list(grouped.annotate(total=Sum("total"), count=Count("pk")))
