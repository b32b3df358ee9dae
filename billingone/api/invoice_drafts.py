"""/api/v1/orgs/{slug}/invoice-drafts (API.md "Billing data"): list by status, one draft with the
preview of what a push sends, edit lines and dates, remove lines, approve, push, delete."""

# No `from __future__ import annotations` here: django-ninja reads the payload types through
# the tenancy wrapper, whose module cannot resolve string annotations of this one.

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from pydantic import Field

from billingone.api.errors import ApiError
from billingone.api.pagination import paginate
from billingone.api.team import body_doc, flow_errors_as_api_errors, read_body
from billingone.billing import draft_push, drafts
from billingone.billing.draft_models import DraftStatus, InvoiceDraft
from billingone.billing.draft_payloads import draft_payload, lines_by_draft
from billingone.orgs.tenancy import org_endpoint

router = Router(tags=["invoice drafts"])


class ClientRef(Schema):
    id: str
    name: str


class DraftLineOut(Schema):
    id: str
    position: int
    finding_id: str | None
    item_code: str
    description: str
    period_start: date | None
    period_end: date | None
    quantity: str
    unit_price: str
    tax_code: str
    account_code: str
    amount: str
    error: str


class DraftOut(Schema):
    id: str
    client: ClientRef
    customer: str | None
    target: str
    target_name: str
    becomes: str
    note: str
    kind: str
    status: str
    currency: str
    issue_date: date | None
    due_date: date | None
    reference: str
    lines: list[DraftLineOut]
    total: str
    external_id: str | None
    external_number: str | None
    external_url: str | None
    error: str | None
    created_at: datetime
    updated_at: datetime
    approved_at: datetime | None
    pushed_at: datetime | None
    preview: dict[str, Any] | None


class DraftPage(Schema):
    items: list[DraftOut]
    count: int
    next: str | None


class LineIn(Schema):
    id: int
    description: str | None = Field(default=None, max_length=4000)
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    item_code: str | None = Field(default=None, max_length=100)
    tax_code: str | None = Field(default=None, max_length=50)
    account_code: str | None = Field(default=None, max_length=50)


class DraftPatch(Schema):
    lines: list[LineIn] = Field(default_factory=list, max_length=200)
    remove_lines: list[int] = Field(default_factory=list, max_length=200)
    issue_date: date | None = None
    due_date: date | None = None
    reference: str | None = Field(default=None, max_length=255)


def _draft(request, draft_id: str) -> InvoiceDraft:
    if not draft_id.isdigit() or len(draft_id) > 18:
        raise ApiError(404, "not_found", "Not found.")
    rows = InvoiceDraft.objects.select_related("organization", "client", "customer")
    return get_object_or_404(rows, pk=int(draft_id), organization=request.organization)


def detail(draft: InvoiceDraft) -> dict:
    lines = list(draft.lines.select_related("item").order_by("position", "pk"))
    return draft_payload(draft, lines, draft_push.preview(draft, lines))


@router.get("/orgs/{slug}/invoice-drafts", response=DraftPage, summary="Invoice drafts, latest first")
@org_endpoint("org.view")
def list_drafts(request, slug: str, status: str = "", cursor: str | None = None, limit: int | None = None):
    if status and status not in DraftStatus.values:
        choices = ", ".join(DraftStatus.values)
        raise ApiError(422, "invalid", f"status must be one of {choices}.", fields={"status": [f"One of {choices}."]})

    def load(rows) -> list:
        page = list(rows)
        lines = lines_by_draft(page)
        return [draft_payload(draft, lines[draft.pk]) for draft in page]

    rows = drafts.drafts(request.organization, status=status)
    return paginate(rows, cursor=cursor, limit=limit, serialize=dict, load=load)


@router.get("/orgs/{slug}/invoice-drafts/{draft_id}", response=DraftOut, summary="One draft and what a push sends")
@org_endpoint("org.view")
def get_draft(request, slug: str, draft_id: str):
    return detail(_draft(request, draft_id))


@router.patch(
    "/orgs/{slug}/invoice-drafts/{draft_id}",
    response=DraftOut,
    summary="Edit lines, dates and reference; remove lines",
    openapi_extra=body_doc(DraftPatch),
)
@org_endpoint("billing.reconcile")
def patch_draft(request, slug: str, draft_id: str):
    draft = _draft(request, draft_id)
    body = read_body(request, DraftPatch)
    edits = [drafts.LineEdit(**line.model_dump()) for line in body.lines]
    with flow_errors_as_api_errors():
        draft = drafts.update(
            draft,
            actor=request.user,
            role=request.membership.role,
            request=request,
            lines=edits,
            remove=body.remove_lines,
            issue_date=body.issue_date,
            due_date=body.due_date,
            reference=body.reference,
        )
    return detail(_draft(request, str(draft.pk)))


@router.delete("/orgs/{slug}/invoice-drafts/{draft_id}/lines/{line_id}", response=DraftOut, summary="Remove one line")
@org_endpoint("billing.reconcile")
def remove_line(request, slug: str, draft_id: str, line_id: str):
    draft = _draft(request, draft_id)
    if not line_id.isdigit() or len(line_id) > 18:
        raise ApiError(404, "not_found", "Not found.")
    with flow_errors_as_api_errors():
        drafts.update(draft, actor=request.user, role=request.membership.role, request=request, remove=[int(line_id)])
    return detail(_draft(request, draft_id))


@router.delete("/orgs/{slug}/invoice-drafts/{draft_id}", response={204: None}, summary="Delete an unpushed draft")
@org_endpoint("billing.reconcile")
def delete_draft(request, slug: str, draft_id: str):
    draft = _draft(request, draft_id)
    with flow_errors_as_api_errors():
        drafts.delete(draft, actor=request.user, role=request.membership.role, request=request)
    return Status(204, None)


@router.post("/orgs/{slug}/invoice-drafts/{draft_id}/approve", response=DraftOut, summary="Approve for pushing")
@org_endpoint("billing.reconcile")
def approve(request, slug: str, draft_id: str):
    draft = _draft(request, draft_id)
    with flow_errors_as_api_errors():
        drafts.approve(draft, actor=request.user, role=request.membership.role, request=request)
    return detail(_draft(request, draft_id))


@router.post(
    "/orgs/{slug}/invoice-drafts/{draft_id}/push",
    response=DraftOut,
    summary="Push to Xero (a DRAFT invoice) or QuickBooks (an unsent invoice), once per idempotency key",
)
@org_endpoint("billing.reconcile")
def push(request, slug: str, draft_id: str):
    draft = _draft(request, draft_id)
    with flow_errors_as_api_errors():
        draft_push.push(draft, actor=request.user, role=request.membership.role, request=request)
    return detail(_draft(request, draft_id))
