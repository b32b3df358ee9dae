"""Read side of domains and hosting services: the neutral Subscription rows of kind domain or
hosting, from any vendor source, shared by the Domains & hosting page and the API.

What a renewal needs to be answered: when it renews (expiry or next renewal), whether its owner
is linked to a client, and whether the client is billed for it, read from reconciliation's
current finding for that client × product (matched or over-billed: billed; under-billed: not
billed; no client: unmapped, as reconciliation itself counts it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import CharField, Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from billingone.billing.finding_models import Finding, Outcome
from billingone.billing.models import Subscription
from billingone.integrations.records import SubscriptionKind, SubscriptionStatus

KINDS = (SubscriptionKind.DOMAIN, SubscriptionKind.HOSTING)
KIND_CHOICES = [(SubscriptionKind.DOMAIN.value, "Domains"), (SubscriptionKind.HOSTING.value, "Hosting")]
STATUS_CHOICES = [(s.value, s.value.title()) for s in SubscriptionStatus]
LINK_FILTERS = {"linked": Q(customer__client__isnull=False), "unlinked": Q(customer__client__isnull=True)}
LINK_CHOICES = [("linked", "Linked to a client"), ("unlinked", "Not linked (unmapped)")]
WINDOWS = (30, 60, 90)
BILLED_OUTCOMES = (Outcome.MATCHED, Outcome.OVER_BILLED)
# What the page and the API say about billing, from the finding's outcome ("" = none yet).
BILLING_STATES = {
    Outcome.MATCHED: "billed",
    Outcome.OVER_BILLED: "billed",
    Outcome.UNDER_BILLED: "not_billed",
    Outcome.UNMAPPED: "not_mapped",
    Outcome.NO_DATA: "no_data",
    "": "not_reconciled",
}
BILLING_LABELS = {
    "billed": "Billed",
    "not_billed": "Not billed",
    "not_mapped": "Not mapped",
    "no_data": "No data",
    "not_reconciled": "Not reconciled",
    "unmapped": "No client",
}


def finding_outcome():
    """Reconciliation's current outcome for the row's client × product × source (a subquery)."""
    findings = Finding.objects.filter(
        organization=OuterRef("organization"),
        current=True,
        scope=Finding.Scope.PRODUCT,
        client_id=OuterRef("customer__client_id"),
        product_id=OuterRef("product_id"),
        source=OuterRef("source"),
    ).order_by("-severity_rank", "pk")
    return Coalesce(Subquery(findings.values("kind")[:1]), Value(""), output_field=CharField())


def base(organization) -> QuerySet[Subscription]:
    return Subscription.objects.filter(organization=organization, removed_at__isnull=True, kind__in=KINDS)


def domains(
    organization,
    *,
    q: str = "",
    kind: str = "",
    status: str = "",
    linked: str = "",
    window: int | None = None,
    today: date,
) -> QuerySet[Subscription]:
    """Domains and hosting services, soonest renewal first, searched by name, client, owner or plan."""
    rows = base(organization).select_related("customer__client").annotate(outcome=finding_outcome())
    if kind:
        rows = rows.filter(kind=kind)
    if status:
        rows = rows.filter(status=status)
    if linked in LINK_FILTERS:
        rows = rows.filter(LINK_FILTERS[linked])
    if window:
        rows = rows.filter(renews_on__gte=today, renews_on__lte=today + timedelta(days=window))
    q = q.strip()
    if q:
        rows = rows.filter(
            Q(name__icontains=q)
            | Q(customer__client__name__icontains=q)
            | Q(customer__name__icontains=q)
            | Q(plan__icontains=q)
            | Q(product_name__icontains=q)
        )
    # Soonest renewal first; rows without a date last (on SQLite and PostgreSQL alike).
    return rows.order_by(F("renews_on").asc(nulls_last=True), "name", "pk")


@dataclass(frozen=True)
class Window:
    days: int
    renewals: int
    unlinked: int
    billed: int

    @property
    def linked(self) -> int:
        return self.renewals - self.unlinked


def renewal_windows(organization, today: date) -> list[Window]:
    """What renews in the next 30 / 60 / 90 days: how many, how many have no client, how many
    are billed. One aggregate query."""
    rows = base(organization).filter(renews_on__gte=today, renews_on__lte=today + timedelta(days=max(WINDOWS)))
    rows = rows.exclude(status=SubscriptionStatus.CANCELLED).annotate(outcome=finding_outcome())
    figures = {}
    for days in WINDOWS:
        within = Q(renews_on__lte=today + timedelta(days=days))
        figures[f"r{days}"] = Count("pk", filter=within)
        figures[f"u{days}"] = Count("pk", filter=within & Q(customer__client__isnull=True))
        figures[f"b{days}"] = Count(
            "pk", filter=within & Q(customer__client__isnull=False, outcome__in=BILLED_OUTCOMES)
        )
    counted = rows.aggregate(**figures)
    return [Window(days, counted[f"r{days}"], counted[f"u{days}"], counted[f"b{days}"]) for days in WINDOWS]


def client_of(row: Subscription) -> str:
    if row.customer_id and row.customer.client_id:
        return row.customer.client.name
    return ""


def billing_state(row: Subscription) -> str:
    if not (row.customer_id and row.customer.client_id):
        return "unmapped"
    return BILLING_STATES.get(getattr(row, "outcome", ""), "not_reconciled")


def domain_payload(row: Subscription) -> dict:
    """API.md: {id, name, kind, client, plan, status, expires_on | renews_on, auto_renew} (+ what
    tells a renewal's state: source, source_status, owner, billing)."""
    is_domain = row.kind == SubscriptionKind.DOMAIN
    return {
        "id": str(row.pk),
        "name": row.name,
        "kind": row.kind,
        "client": client_of(row) or None,
        "owner": row.customer.name if row.customer_id else None,
        "plan": row.plan or row.product_name,
        "status": row.status,
        "source_status": row.source_status,
        "source": row.source,
        "expires_on": row.renews_on if is_domain else None,
        "renews_on": None if is_domain else row.renews_on,
        "auto_renew": row.auto_renew,
        "billing": billing_state(row),
    }
