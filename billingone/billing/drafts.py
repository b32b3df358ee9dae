"""Invoice drafts: the rules of editing, approving and deleting a draft (applying queue items onto
a draft is draft_apply.py, pushing it draft_push.py).

A draft is edited while it is a draft, approved or failed (an edit sends it back to draft),
approved by Finance and up, then pushed. Every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from billingone.audit.log import diff, record
from billingone.billing.draft_models import (
    DraftStatus,
    InvoiceDraft,
    InvoiceDraftLine,
    new_idempotency_key,
)
from billingone.billing.finding_models import Finding, QueueStatus
from billingone.billing.models import Item
from billingone.integrations import registry
from billingone.orgs import roles
from billingone.orgs.errors import Conflict, FlowError, NotAllowed

CAPABILITY = "billing.reconcile"
EDITABLE = (DraftStatus.DRAFT, DraftStatus.APPROVED, DraftStatus.FAILED)
UNPUSHED = (DraftStatus.DRAFT, DraftStatus.APPROVED, DraftStatus.PUSHING, DraftStatus.FAILED)
CENT = Decimal("0.01")
ZERO = Decimal(0)
MAX_QUANTITY = Decimal("1000000")
MAX_PRICE = Decimal("100000000")


def check_can_act(role: str) -> None:
    if not roles.has_capability(role, CAPABILITY):
        raise NotAllowed("Only Owners, Admins and Finance members can work on invoice drafts.")


def draft_targets() -> dict:
    """The accounting providers that take drafts, in the registry's order."""
    return {key: cls for key, cls in registry.PROVIDERS.items() if cls.pushes_drafts}


def drafts(organization, *, status: str = "") -> QuerySet[InvoiceDraft]:
    rows = InvoiceDraft.objects.filter(organization=organization).select_related("client", "customer")
    if status:
        rows = rows.filter(status=status)
    return rows.annotate(line_count=Count("lines")).order_by("-updated_at", "-pk")


# ---- items ---------------------------------------------------------------------------------------


def find_item(draft: InvoiceDraft, code: str) -> Item | None:
    """The target's synced item of that code or name (QuickBooks syncs items, and its invoice lines name
    them by name; Xero lines name the code only)."""
    if not code:
        return None
    items = Item.objects.filter(organization_id=draft.organization_id, source=draft.target)
    return items.filter(Q(code__iexact=code) | Q(name__iexact=code)).order_by("-active", "pk").first()


# ---- editing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineEdit:
    id: int
    description: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    item_code: str | None = None
    tax_code: str | None = None
    account_code: str | None = None


def _decimal(value, field: str, *, low: Decimal, high: Decimal, allow_low: bool) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise FlowError("Enter a number.", field=field) from None
    if not number.is_finite() or number > high or number < low or (number == low and not allow_low):
        raise FlowError(f"Enter a number {'from' if allow_low else 'above'} {low} up to {high}.", field=field)
    return number


def _text(value: str, field: str, limit: int, *, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise FlowError("This cannot be empty.", field=field)
    if len(text) > limit:
        raise FlowError(f"At most {limit} characters.", field=field)
    return text


def apply_edit(line: InvoiceDraftLine, edit: LineEdit, index: int) -> None:
    prefix = f"lines.{index}."
    if edit.description is not None:
        line.description = _text(edit.description, prefix + "description", 4000, required=True)
    if edit.quantity is not None:
        line.quantity = _decimal(edit.quantity, f"{prefix}quantity", low=ZERO, high=MAX_QUANTITY, allow_low=False)
    if edit.unit_price is not None:
        line.unit_price = _decimal(edit.unit_price, f"{prefix}unit_price", low=ZERO, high=MAX_PRICE, allow_low=True)
    if edit.item_code is not None:
        line.item_code = _text(edit.item_code, prefix + "item_code", 100)
        line.item = find_item(line.draft, line.item_code)
    if edit.tax_code is not None:
        line.tax_code = _text(edit.tax_code, prefix + "tax_code", 50)
    if edit.account_code is not None:
        line.account_code = _text(edit.account_code, prefix + "account_code", 50)
    line.amount = (line.quantity * line.unit_price).quantize(CENT)
    line.error = ""


def _dates(draft: InvoiceDraft, issue_date, due_date) -> None:
    if issue_date is not None:
        draft.issue_date = issue_date
    if due_date is not None:
        draft.due_date = due_date
    if draft.issue_date and draft.due_date and draft.due_date < draft.issue_date:
        raise FlowError("The due date cannot be before the issue date.", field="due_date")


def update(
    draft: InvoiceDraft,
    *,
    actor,
    role: str,
    request=None,
    lines: list[LineEdit] = (),
    remove: list[int] = (),
    issue_date: date | None = None,
    due_date: date | None = None,
    reference: str | None = None,
) -> InvoiceDraft:
    """Edit lines, dates and reference, remove lines: all of it or, on the first refusal, none."""
    check_can_act(role)
    with transaction.atomic():
        draft = InvoiceDraft.objects.select_for_update().select_related("organization").get(pk=draft.pk)
        if draft.status not in EDITABLE:
            raise Conflict(f"A {draft.get_status_display().lower()} draft cannot be edited.")
        before = _state(draft)
        by_id = {line.pk: line for line in draft.lines.select_related("draft")}
        unknown = [line_id for line_id in [e.id for e in lines] + list(remove) if line_id not in by_id]
        if unknown:
            raise FlowError("Some lines are not on this draft; reload it.", field="lines")
        for index, edit in enumerate(lines):
            apply_edit(by_id[edit.id], edit, index)
            by_id[edit.id].save()
        removed = [by_id[line_id] for line_id in set(remove)]
        reopen_findings([line.finding_id for line in removed if line.finding_id], actor)
        InvoiceDraftLine.objects.filter(pk__in=[line.pk for line in removed]).delete()
        _dates(draft, issue_date, due_date)
        if reference is not None:
            draft.reference = _text(reference, "reference", 255)
        back_to_draft(draft)
        recompute(draft)
        record(
            "invoice_draft.update",
            organization=draft.organization,
            request=request,
            actor=actor,
            target=draft,
            target_label=label(draft),
            changes=diff(before, _state(draft)),
            data={"edited_lines": [e.id for e in lines], "removed_lines": sorted(set(remove))},
        )
    return draft


def back_to_draft(draft: InvoiceDraft) -> None:
    """An edit needs a new approval; after a rejection the provider remembers the old key's answer."""
    draft.status, draft.approved_by, draft.approved_at, draft.error = DraftStatus.DRAFT, None, None, ""
    if draft.rejected:
        draft.idempotency_key, draft.rejected = new_idempotency_key(), False
    if (
        InvoiceDraft.objects.filter(
            organization_id=draft.organization_id,
            client_id=draft.client_id,
            target=draft.target,
            kind=draft.kind,
            status=DraftStatus.DRAFT,
        )
        .exclude(pk=draft.pk)
        .exists()
    ):
        raise Conflict("This client already has an open draft; add to that one, or delete one of them first.")


def reopen_findings(finding_ids: list[int], actor) -> None:
    """Their gap is off the draft again: back in the queue, open."""
    if finding_ids:
        reset = {"acknowledged_kind": "", "acknowledged_gap": None, "status_by": actor, "status_at": timezone.now()}
        Finding.objects.filter(pk__in=finding_ids, status=QueueStatus.APPLIED).update(status=QueueStatus.OPEN, **reset)


def recompute(draft: InvoiceDraft) -> None:
    amounts = draft.lines.values_list("amount", flat=True)
    draft.total = sum(amounts, Decimal(0)).quantize(CENT)
    draft.updated_at = timezone.now()
    draft.save()


# ---- approving and deleting -------------------------------------------------------------------


def approve(draft: InvoiceDraft, *, actor, role: str, request=None) -> InvoiceDraft:
    check_can_act(role)
    with transaction.atomic():
        draft = InvoiceDraft.objects.select_for_update().select_related("organization").get(pk=draft.pk)
        if draft.status != DraftStatus.DRAFT:
            raise Conflict(f"Only a draft can be approved; this one is {draft.get_status_display().lower()}.")
        lines = list(draft.lines.all())
        if not lines:
            raise FlowError("Add at least one line before approving.", field="lines")
        if any(line.quantity <= 0 for line in lines):
            raise FlowError("Every line needs a quantity above zero.", field="lines")
        if draft.customer_id is None:
            raise FlowError("The client's accounting customer is gone; link the client again, then apply anew.")
        draft.status, draft.approved_by, draft.approved_at = DraftStatus.APPROVED, actor, timezone.now()
        draft.updated_at = draft.approved_at
        draft.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
        audit_draft("invoice_draft.approve", draft, actor=actor, request=request)
    return draft


def delete(draft: InvoiceDraft, *, actor, role: str, request=None) -> None:
    """Discard an unpushed draft; its items go back to the queue."""
    check_can_act(role)
    with transaction.atomic():
        draft = InvoiceDraft.objects.select_for_update().select_related("organization").get(pk=draft.pk)
        if draft.status not in EDITABLE:
            raise Conflict(f"A {draft.get_status_display().lower()} draft cannot be deleted.")
        reopen_findings(list(draft.lines.exclude(finding=None).values_list("finding_id", flat=True)), actor)
        audit_draft("invoice_draft.delete", draft, actor=actor, request=request)
        draft.delete()


def _state(draft: InvoiceDraft) -> dict:
    return {
        "status": draft.status,
        "issue_date": draft.issue_date.isoformat() if draft.issue_date else None,
        "due_date": draft.due_date.isoformat() if draft.due_date else None,
        "reference": draft.reference,
        "total": str(draft.total),
    }


def audit_draft(action: str, draft: InvoiceDraft, *, actor, request=None, data: dict | None = None) -> None:
    record(
        action,
        organization=draft.organization,
        request=request,
        actor=actor,
        target=draft,
        target_label=label(draft),
        data={"target": draft.target, "kind": draft.kind, "total": str(draft.total), **(data or {})},
    )


def label(draft: InvoiceDraft) -> str:
    return f"{draft.get_kind_display()} draft #{draft.pk} · {draft.client.name}"
