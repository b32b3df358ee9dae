"""Findings as the API, the pages and the CSV exports show them (API.md shapes)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, Max, Q, QuerySet, Sum, Value, When

from billingone.billing.finding_models import Finding, Outcome
from billingone.lib.csvsafe import csv_text

# A client's outcome is its most pressing product's: money missed first, then what cannot be read.
OUTCOME_RANK = {
    Outcome.UNDER_BILLED: 5,
    Outcome.NO_DATA: 4,
    Outcome.UNMAPPED: 3,
    Outcome.OVER_BILLED: 2,
    Outcome.MATCHED: 1,
}
RANK_OUTCOME = {rank: outcome for outcome, rank in OUTCOME_RANK.items()}
QUEUE_CSV_HEADER = (
    "severity",
    "kind",
    "status",
    "client",
    "product",
    "term",
    "licensed",
    "billed",
    "gap",
    "unit_price",
    "monthly_impact",
    "currency",
    "suggested_action",
    "reason",
    "snoozed_until",
    "ignore_reason",
)
QUEUE_CSV_FIELDS = (
    "severity",
    "kind",
    "status",
    "client_label",
    "product_label",
    "term",
    "licensed",
    "billed",
    "gap",
    "unit_price",
    "monthly_impact",
    "currency",
    "suggested_action",
    "reason",
    "snoozed_until",
    "ignore_reason",
)
RESULT_CSV_HEADER = (
    "client",
    "product",
    "term",
    "outcome",
    "licensed",
    "billed",
    "gap",
    "unit_price",
    "monthly_amount",
    "currency",
    "vendor_source",
    "billing_sources",
    "reason",
)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _client(finding: Finding) -> dict | None:
    if finding.client_id:
        return {"id": str(finding.client_id), "name": finding.client_label}
    if finding.scope == Finding.Scope.MAPPING and finding.product_id:
        return None  # a product to map: it concerns "N clients", not one
    return {"id": None, "name": finding.client_label} if finding.client_label else None


def finding_payload(finding: Finding, evidence: dict | None = None) -> dict:
    return {
        "id": str(finding.pk),
        "kind": finding.kind,
        "client": _client(finding),
        "product": {"id": str(finding.product_id) if finding.product_id else None, "name": finding.product_label},
        "term": finding.term or None,
        "source": finding.source or None,
        "billing_sources": finding.billing_sources.split(),
        "licensed": str(finding.licensed),
        "billed": str(finding.billed),
        "gap": str(finding.gap),
        "unit_price": _money(finding.unit_price),
        "price_source": finding.price_source or None,
        "monthly_impact": str(finding.monthly_impact),
        "currency": finding.currency,
        "severity": finding.severity,
        "status": finding.status,
        "snoozed_until": finding.snoozed_until,
        "ignore_reason": finding.ignore_reason or None,
        "reason": finding.reason,
        "suggested_action": finding.suggested_action,
        "evidence": evidence or {"subscriptions": [], "invoice_lines": []},
        "first_seen_at": finding.first_seen_at,
        "changed_at": finding.changed_at,
    }


def client_rows(organization, outcome: str = "") -> QuerySet:
    """One row per client (or unlinked company): its products' outcomes folded, most pressing first."""
    rows = Finding.objects.filter(organization=organization, current=True, scope=Finding.Scope.PRODUCT)
    if outcome:
        rows = rows.filter(kind=outcome)
    rank = Case(*[When(kind=k, then=Value(r)) for k, r in OUTCOME_RANK.items()], output_field=IntegerField())
    return (
        rows.values("client_id", "customer_id", "client_label")
        .annotate(
            currencies=Count("currency", distinct=True),  # before `currency` below, which shadows the field
            products=Count("id"),
            rank=Max(rank),
            under_billed=Sum("monthly_impact", filter=Q(kind=Outcome.UNDER_BILLED)),
            over_billed=Sum("monthly_impact", filter=Q(kind=Outcome.OVER_BILLED)),
            currency=Max("currency"),
        )
        .order_by("-rank", "-under_billed", "client_label", "client_id", "customer_id")
    )


def products_by_owner(organization, rows: list[dict]) -> dict[tuple, list[Finding]]:
    """The findings of a page of client rows, in one query."""
    clients = [row["client_id"] for row in rows if row["client_id"]]
    customers = [row["customer_id"] for row in rows if not row["client_id"] and row["customer_id"]]
    findings = Finding.objects.filter(organization=organization, current=True, scope=Finding.Scope.PRODUCT).filter(
        Q(client_id__in=clients) | Q(client__isnull=True, customer_id__in=customers)
    )
    grouped = defaultdict(list)
    for finding in findings.order_by("-severity_rank", "-monthly_impact", "product_label", "pk"):
        grouped[owner_key(finding.client_id, finding.customer_id)].append(finding)
    return grouped


def owner_key(client_id: int | None, customer_id: int | None) -> tuple:
    return ("c", client_id) if client_id else ("u", customer_id)


def money_by_currency(findings: list[Finding]) -> list[dict]:
    """A client's under- and over-billing per month, one entry per currency (never added across)."""
    totals: dict[str, dict] = {}
    for finding in findings:
        if finding.kind in (Outcome.UNDER_BILLED, Outcome.OVER_BILLED):
            entry = totals.setdefault(
                finding.currency, {"currency": finding.currency, "under_billed": Decimal(0), "over_billed": Decimal(0)}
            )
            entry[finding.kind] += finding.monthly_impact
    return [totals[currency] for currency in sorted(totals)]


def client_row_payload(row: dict, findings: list[Finding]) -> dict:
    by_currency = money_by_currency(findings)
    mixed = row["currencies"] > 1
    return {
        "client": {"id": str(row["client_id"]) if row["client_id"] else None, "name": row["client_label"]},
        "outcome": RANK_OUTCOME[row["rank"]],
        "under_billed": None if mixed else str(row["under_billed"] or 0),
        "over_billed": None if mixed else str(row["over_billed"] or 0),
        "currency": None if mixed else row["currency"] or "",
        "by_currency": [{k: str(v) if k != "currency" else v for k, v in e.items()} for e in by_currency],
        "products": [product_payload(finding) for finding in findings],
    }


def product_payload(finding: Finding) -> dict:
    return {
        "finding_id": str(finding.pk),
        "product": finding.product_label,
        "term": finding.term,
        "outcome": finding.kind,
        "licensed": str(finding.licensed),
        "billed": str(finding.billed),
        "gap": str(finding.gap),
        "unit_price": _money(finding.unit_price),
        "monthly_amount": str(finding.monthly_impact),
        "currency": finding.currency,
        "reason": finding.reason,
        "status": finding.status if finding.queued else None,
    }


def queue_csv(rows: QuerySet[Finding]) -> str:
    return csv_text(
        QUEUE_CSV_HEADER,
        ([getattr(f, name) for name in QUEUE_CSV_FIELDS] for f in rows.iterator(chunk_size=2000)),
    )


def results_csv(organization) -> str:
    rows = Finding.objects.filter(organization=organization, current=True, scope=Finding.Scope.PRODUCT)
    fields = ("client_label", "product_label", "term", "kind", "licensed", "billed", "gap", "unit_price")
    fields += ("monthly_impact", "currency", "source", "billing_sources", "reason")
    return csv_text(RESULT_CSV_HEADER, rows.order_by("client_label", "product_label").values_list(*fields).iterator())
