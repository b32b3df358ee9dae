"""The evidence behind findings: which subscriptions were counted, which invoice lines were billed.

Fetched for a page of findings at a time in two queries (subscriptions, invoice lines), then
assigned to each finding by the same rules reconciliation used (reconciliation.py).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Q

from billingone.billing.finding_models import Finding
from billingone.billing.reconciliation_queries import (
    ANNUAL,
    MONTHLY,
    MULTI_YEAR,
    Period,
    billed_lines,
    counted_subscriptions,
)
from billingone.integrations.records import BillingTerm

MAX_LINES = 24
TERM_OF = {BillingTerm.ANNUAL: ANNUAL, BillingTerm.MULTI_YEAR: MULTI_YEAR}
SUBSCRIPTION_FIELDS = (
    "id",
    "source",
    "external_id",
    "customer_id",
    "customer__client_id",
    "product_id",
    "quantity",
    "unit_price",
    "billing_term",
    "status",
    "start_date",
    "end_date",
)
LINE_FIELDS = (
    "id",
    "invoice__source",
    "invoice__number",
    "invoice__kind",
    "invoice__issue_date",
    "invoice__customer__client_id",
    "item_code",
    "description",
    "quantity",
    "unit_price",
    "period_start",
    "period_end",
)


def evidence_for(organization, findings: list[Finding], as_of: date) -> dict[int, dict]:
    """finding id → {"subscriptions": [...], "invoice_lines": [...]}, for product-scope findings."""
    period = Period(as_of)
    scoped = [f for f in findings if f.scope == Finding.Scope.PRODUCT]
    found = {f.pk: {"subscriptions": [], "invoice_lines": []} for f in findings}
    if not scoped:
        return found
    subscriptions = _subscriptions(organization, period, scoped)
    lines = _lines(organization, period, scoped)
    for finding in scoped:
        owner = ("c", finding.client_id) if finding.client_id else ("u", finding.customer_id)
        found[finding.pk]["subscriptions"] = [
            _subscription_payload(row)
            for row in subscriptions[(owner, finding.product_id)]
            if row["source"] == finding.source and TERM_OF.get(row["billing_term"], MONTHLY) == finding.term
        ]
        found[finding.pk]["invoice_lines"] = _matching_lines(finding, lines.get(finding.client_id, []), period)
    return found


def _subscriptions(organization, period: Period, findings: list[Finding]) -> dict:
    clients = {f.client_id for f in findings if f.client_id}
    customers = {f.customer_id for f in findings if f.customer_id and not f.client_id}
    rows = counted_subscriptions(organization, period).filter(
        Q(customer__client_id__in=clients) | Q(customer_id__in=customers),
        product_id__in={f.product_id for f in findings},
    )
    grouped = defaultdict(list)
    for row in rows.values(*SUBSCRIPTION_FIELDS).order_by("start_date", "pk"):
        owner = ("c", row["customer__client_id"]) if row["customer__client_id"] else ("u", row["customer_id"])
        grouped[(owner, row["product_id"])].append(row)
    return grouped


def _lines(organization, period: Period, findings: list[Finding]) -> dict[int, list[dict]]:
    clients = {f.client_id for f in findings if f.client_id and f.item_target}
    if not clients:
        return {}
    rows = billed_lines(organization, period.window_start(MULTI_YEAR), period.month_end, clients)
    grouped = defaultdict(list)
    for row in rows.values(*LINE_FIELDS).order_by("-invoice__issue_date", "-pk"):
        grouped[row["invoice__customer__client_id"]].append(row)
    return grouped


def _matching_lines(finding: Finding, rows: list[dict], period: Period) -> list[dict]:
    kind, _, value = finding.item_target.partition(":")
    if not finding.term or not value:
        return []
    start = period.window_start(finding.term)
    matched = []
    for row in rows:
        billed_on = row["period_start"] or row["invoice__issue_date"]
        if kind == "code":
            hits = (row["item_code"] or "").lower() == value
        else:
            hits = value in (row["description"] or "").lower()
        if hits and billed_on and billed_on >= start:
            matched.append(_line_payload(row))
    return matched[:MAX_LINES]


def _subscription_payload(row: dict) -> dict:
    return {
        "id": str(row["id"]),
        "source": row["source"],
        "external_id": row["external_id"],
        "quantity": str(row["quantity"]),
        "unit_price": None if row["unit_price"] is None else str(row["unit_price"]),
        "billing_term": row["billing_term"],
        "status": row["status"],
        "start_date": row["start_date"],
        "end_date": row["end_date"],
    }


def _line_payload(row: dict) -> dict:
    return {
        "id": str(row["id"]),
        "source": row["invoice__source"],
        "invoice_number": row["invoice__number"],
        "kind": row["invoice__kind"],
        "issue_date": row["invoice__issue_date"],
        "item_code": row["item_code"],
        "description": row["description"][:200],
        "quantity": str(row["quantity"]),
        "unit_price": str(row["unit_price"]),
        "period_start": row["period_start"],
        "period_end": row["period_end"],
    }
