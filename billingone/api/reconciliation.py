"""/api/v1/orgs/{slug}/reconciliation, /missed-billing and /product-mappings (API.md "Billing data")."""

# No `from __future__ import annotations` here: django-ninja reads the payload types through
# the tenancy wrapper, whose module cannot resolve string annotations of this one.

from datetime import date, datetime
from typing import Any

from django.db.models import Count, Window
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema, Status
from pydantic import Field

from billingone.api.errors import ApiError
from billingone.api.invoice_drafts import DraftOut
from billingone.api.invoice_drafts import detail as draft_detail
from billingone.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, encode_cursor, paginate
from billingone.api.pagination import _decode_cursor as decode_cursor
from billingone.api.team import body_doc, flow_errors_as_api_errors, read_body
from billingone.billing import finding_payloads, missed_billing, product_mapping
from billingone.billing.coverage import source_coverage
from billingone.billing.draft_models import InvoiceDraft
from billingone.billing.evidence import evidence_for
from billingone.billing.finding_models import Finding, Outcome, QueueStatus, ReconciliationRun, Severity
from billingone.billing.reconciliation import json_summary, summary
from billingone.billing.tasks import reconcile_later
from billingone.orgs.tenancy import org_endpoint

router = Router(tags=["reconciliation"])


class CurrencyAmount(Schema):
    currency: str
    count: int
    monthly_amount: str


class MoneyCount(Schema):
    """Amounts are never added across currencies: `monthly_amount` and `currency` are set when the
    findings share one currency, else null; `by_currency` always has each currency's figures."""

    count: int
    monthly_amount: str | None
    currency: str | None = None
    by_currency: list[CurrencyAmount] = []


class SummaryOut(Schema):
    under_billed: MoneyCount
    over_billed: MoneyCount
    matched: MoneyCount
    unmapped: MoneyCount
    no_data: MoneyCount


class SourceOut(Schema):
    source: str
    name: str
    side: str
    state: str
    last_sync: datetime | None
    rows: int
    reason: str


class Named(Schema):
    id: str | None
    name: str


class ProductResultOut(Schema):
    finding_id: str
    product: str
    term: str
    outcome: str
    licensed: str
    billed: str
    gap: str
    unit_price: str | None
    monthly_amount: str
    currency: str
    reason: str
    status: str | None


class ClientMoney(Schema):
    currency: str
    under_billed: str
    over_billed: str


class ClientResultOut(Schema):
    client: Named
    outcome: str
    under_billed: str | None  # null when the client's products are in several currencies: see by_currency
    over_billed: str | None
    currency: str | None
    by_currency: list[ClientMoney]
    products: list[ProductResultOut]


class LastRunOut(Schema):
    id: str
    trigger: str
    as_of: date
    finished_at: datetime | None


class ReconciliationOut(Schema):
    summary: SummaryOut
    sources: list[SourceOut]
    last_run: LastRunOut | None
    items: list[ClientResultOut]
    count: int
    next: str | None


class Evidence(Schema):
    subscriptions: list[dict[str, Any]]
    invoice_lines: list[dict[str, Any]]


class ItemOut(Schema):
    id: str
    kind: str
    client: Named | None
    product: Named
    term: str | None
    source: str | None
    billing_sources: list[str]
    licensed: str
    billed: str
    gap: str
    unit_price: str | None
    price_source: str | None
    monthly_impact: str
    currency: str
    severity: str
    status: str
    snoozed_until: date | None
    ignore_reason: str | None
    reason: str
    suggested_action: str
    evidence: Evidence
    first_seen_at: datetime
    changed_at: datetime


class CurrencyTotals(Schema):
    currency: str
    open_monthly_impact: str
    recovered: str


class TotalsOut(Schema):
    """As MoneyCount: the single figures are null when items span several currencies."""

    open: int
    open_monthly_impact: str | None
    recovered: str | None
    currency: str | None = None
    by_status: dict[str, int]
    by_currency: list[CurrencyTotals] = []


class QueuePage(Schema):
    items: list[ItemOut]
    count: int
    next: str | None
    totals: TotalsOut


class SnoozeIn(Schema):
    until: date


class IgnoreIn(Schema):
    reason: str = Field(min_length=1, max_length=300)


class BulkIn(Schema):
    ids: list[int] = Field(min_length=1, max_length=missed_billing.MAX_BULK)
    action: str = Field(max_length=10)
    until: date | None = None
    reason: str = Field(default="", max_length=300)


class BulkOut(Schema):
    items: list[ItemOut]
    drafts: list[str] = []  # apply: the invoice drafts the items went on


class MappingOut(Schema):
    item_code: str | None
    description_pattern: str | None
    state: str
    confidence: int
    reason: str


class ProductMappingOut(Schema):
    id: str
    source: str
    name: str
    sku: str
    vendor: str
    subscriptions: int | None
    mapping: MappingOut | None


class ProductMappingPage(Schema):
    items: list[ProductMappingOut]
    count: int
    next: str | None


def _choice(value: str, allowed, name: str) -> str:
    if value and value not in allowed:
        choices = ", ".join(sorted(allowed))
        raise ApiError(422, "invalid", f"{name} must be one of {choices}.", fields={name: [f"One of {choices}."]})
    return value


def _check_q(q: str) -> None:
    if len(q) > 100:
        raise ApiError(422, "invalid", "q is at most 100 characters.", fields={"q": ["At most 100 characters."]})


def paginate_counted(queryset, *, cursor: str | None, limit: int | None) -> dict:
    """paginate()'s shape, with the total counted by the page's own query (COUNT(*) OVER ())."""
    limit = DEFAULT_LIMIT if limit is None else limit
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(422, "invalid", f"limit must be between 1 and {MAX_LIMIT}.", fields={"limit": ["Out of range."]})
    offset = decode_cursor(cursor)
    rows = list(queryset.annotate(total_rows=Window(Count("*")))[offset : offset + limit + 1])
    total = rows[0]["total_rows"] if rows and isinstance(rows[0], dict) else (rows[0].total_rows if rows else None)
    return {
        "items": rows[:limit],
        "count": total if total is not None else queryset.count(),
        "next": encode_cursor(offset + limit) if len(rows) > limit else None,
    }


def _summary_and_sources(organization) -> tuple[dict, list[dict], dict | None]:
    """From the last run: its summary and row counts; connection states are read live."""
    run = ReconciliationRun.objects.filter(organization=organization).first()
    if run is None:
        sources = source_coverage(organization)
        return json_summary(summary(organization)), [s.payload() for s in sources], None
    sources = source_coverage(organization, counts=run.row_counts)
    last = {"id": str(run.pk), "trigger": run.trigger, "as_of": run.as_of, "finished_at": run.finished_at}
    return run.summary, [s.payload() for s in sources], last


@router.get("/orgs/{slug}/reconciliation", response=ReconciliationOut, summary="Licensed vs billed, per client")
@org_endpoint("org.view")
def reconciliation(request, slug: str, outcome: str = "", cursor: str | None = None, limit: int | None = None):
    _choice(outcome, set(Outcome.values), "outcome")
    organization = request.organization
    page = paginate_counted(finding_payloads.client_rows(organization, outcome), cursor=cursor, limit=limit)
    findings = finding_payloads.products_by_owner(organization, page["items"])
    page["items"] = [
        finding_payloads.client_row_payload(
            row, findings[finding_payloads.owner_key(row["client_id"], row["customer_id"])]
        )
        for row in page["items"]
    ]
    page["summary"], page["sources"], page["last_run"] = _summary_and_sources(organization)
    return page


@router.post("/orgs/{slug}/reconciliation/run", response={202: dict}, summary="Reconcile now, in the background")
@org_endpoint("billing.reconcile")
def run_now(request, slug: str):
    from billingone.audit.log import record

    record("reconciliation.request", organization=request.organization, request=request)
    reconcile_later(request.organization, "person", actor=request.user)
    return Status(202, {"status": "queued"})


def _items_with_evidence(organization, findings: list[Finding]) -> list[dict]:
    evidence = evidence_for(organization, findings, timezone.localdate())
    return [finding_payloads.finding_payload(finding, evidence[finding.pk]) for finding in findings]


@router.get("/orgs/{slug}/missed-billing", response=QueuePage, summary="The missed-billing queue, most pressing first")
@org_endpoint("org.view")
def list_missed_billing(
    request,
    slug: str,
    status: str = "",
    kind: str = "",
    severity: str = "",
    q: str = "",
    cursor: str | None = None,
    limit: int | None = None,
):
    _choice(status, set(QueueStatus.values), "status")
    _choice(kind, set(missed_billing.QUEUE_KINDS), "kind")
    _choice(severity, set(Severity.values), "severity")
    _check_q(q)
    rows = missed_billing.queue(request.organization, status=status, kind=kind, severity=severity, q=q)
    page = paginate_counted(rows, cursor=cursor, limit=limit)
    page["items"] = _items_with_evidence(request.organization, page["items"])
    page["totals"] = missed_billing.totals(request.organization).payload()
    return page


@router.post(
    "/orgs/{slug}/missed-billing/bulk",
    response=BulkOut,
    summary="One action on several items",
    openapi_extra=body_doc(BulkIn),
)
@org_endpoint("billing.reconcile")
def bulk(request, slug: str):
    payload = read_body(request, BulkIn)
    _choice(payload.action, set(missed_billing.ACTIONS), "action")
    with flow_errors_as_api_errors():
        findings = missed_billing.act_in_bulk(
            request.organization,
            payload.ids,
            payload.action,
            actor=request.user,
            role=request.membership.role,
            request=request,
            until=payload.until,
            reason=payload.reason,
        )
    drafts = sorted({str(finding.draft.pk) for finding in findings if getattr(finding, "draft", None)})
    return {"items": _items_with_evidence(request.organization, findings), "drafts": drafts}


def _finding(request, item_id: str) -> Finding:
    if not item_id.isdigit() or len(item_id) > 18:
        raise ApiError(404, "not_found", "Not found.")
    rows = Finding.objects.select_related("organization").filter(queued=True)
    return get_object_or_404(rows, pk=int(item_id), organization=request.organization)


@router.get("/orgs/{slug}/missed-billing/{item_id}", response=ItemOut, summary="One item with its evidence")
@org_endpoint("org.view")
def get_missed_billing(request, slug: str, item_id: str):
    return _items_with_evidence(request.organization, [_finding(request, item_id)])[0]


def _act(request, finding: Finding, action: str, **values) -> dict:
    with flow_errors_as_api_errors():
        missed_billing.act(finding, action, actor=request.user, role=request.membership.role, request=request, **values)
    return _items_with_evidence(request.organization, [finding])[0]


@router.post(
    "/orgs/{slug}/missed-billing/{item_id}/snooze",
    response=ItemOut,
    summary="Snooze until a date",
    openapi_extra=body_doc(SnoozeIn),
)
@org_endpoint("billing.reconcile")
def snooze(request, slug: str, item_id: str):
    finding = _finding(request, item_id)
    return _act(request, finding, "snooze", until=read_body(request, SnoozeIn).until)


@router.post(
    "/orgs/{slug}/missed-billing/{item_id}/ignore",
    response=ItemOut,
    summary="Ignore, with a reason",
    openapi_extra=body_doc(IgnoreIn),
)
@org_endpoint("billing.reconcile")
def ignore(request, slug: str, item_id: str):
    finding = _finding(request, item_id)
    return _act(request, finding, "ignore", reason=read_body(request, IgnoreIn).reason)


@router.post("/orgs/{slug}/missed-billing/{item_id}/review", response=ItemOut, summary="Mark reviewed")
@org_endpoint("billing.reconcile")
def review(request, slug: str, item_id: str):
    return _act(request, _finding(request, item_id), "review")


@router.post("/orgs/{slug}/missed-billing/{item_id}/reopen", response=ItemOut, summary="Open again")
@org_endpoint("billing.reconcile")
def reopen(request, slug: str, item_id: str):
    return _act(request, _finding(request, item_id), "reopen")


class AppliedOut(Schema):
    draft: DraftOut
    item: ItemOut


@router.post(
    "/orgs/{slug}/missed-billing/{item_id}/apply",
    response=AppliedOut,
    summary="Put the gap on the client's invoice draft (created when there is none)",
)
@org_endpoint("billing.reconcile")
def apply(request, slug: str, item_id: str):
    finding = _finding(request, item_id)
    item = _act(request, finding, "apply")
    draft = InvoiceDraft.objects.select_related("client", "customer").get(pk=finding.draft.pk)
    return {"draft": draft_detail(draft), "item": item}


@router.get("/orgs/{slug}/product-mappings", response=ProductMappingPage, summary="Vendor products → accounting items")
@org_endpoint("org.view")
def product_mappings(
    request, slug: str, q: str = "", state: str = "", cursor: str | None = None, limit: int | None = None
):
    _choice(state, {"confirmed", "suggested", "unmapped"}, "state")
    _check_q(q)
    rows = product_mapping.products(request.organization, q=q, state=state)
    return paginate(rows, cursor=cursor, limit=limit, serialize=product_mapping.mapping_payload)
