"""Invoice drafts as the API and the Drafts page show them (one shape for both)."""

from __future__ import annotations

from billingone.billing.draft_models import InvoiceDraft, InvoiceDraftLine
from billingone.billing.drafts import draft_targets


def money(value) -> str:
    return f"{value:.2f}"


def line_payload(line: InvoiceDraftLine) -> dict:
    return {
        "id": str(line.pk),
        "position": line.position,
        "finding_id": str(line.finding_id) if line.finding_id else None,
        "item_code": line.item_code,
        "description": line.description,
        "period_start": line.period_start,
        "period_end": line.period_end,
        "quantity": f"{line.quantity.normalize():f}",
        "unit_price": money(line.unit_price),
        "tax_code": line.tax_code,
        "account_code": line.account_code,
        "amount": money(line.amount),
        "error": line.error,
    }


def target_info(draft: InvoiceDraft) -> dict:
    provider = draft_targets().get(draft.target)
    return {
        "target_name": provider.name if provider else draft.target,
        "becomes": provider.draft_becomes if provider else "",
        "note": provider.draft_note if provider else "",
    }


def draft_payload(draft: InvoiceDraft, lines: list[InvoiceDraftLine], preview: dict | None = None) -> dict:
    return {
        "id": str(draft.pk),
        "client": {"id": str(draft.client_id), "name": draft.client.name},
        "customer": draft.customer.name if draft.customer else None,
        "target": draft.target,
        **target_info(draft),
        "kind": draft.kind,
        "status": draft.status,
        "currency": draft.currency,
        "issue_date": draft.issue_date,
        "due_date": draft.due_date,
        "reference": draft.reference,
        "lines": [line_payload(line) for line in lines],
        "total": money(draft.total),
        "external_id": draft.external_id or None,
        "external_number": draft.external_number or None,
        "external_url": draft.external_url or None,
        "error": draft.error or None,
        "created_at": draft.created_at,
        "updated_at": draft.updated_at,
        "approved_at": draft.approved_at,
        "pushed_at": draft.pushed_at,
        "preview": preview,
    }


def lines_by_draft(drafts: list[InvoiceDraft]) -> dict[int, list[InvoiceDraftLine]]:
    """The lines of a page of drafts, in one query."""
    grouped: dict[int, list[InvoiceDraftLine]] = {draft.pk: [] for draft in drafts}
    for line in InvoiceDraftLine.objects.filter(draft_id__in=list(grouped)).order_by("draft_id", "position", "pk"):
        grouped[line.draft_id].append(line)
    return grouped
