"""Pushing an approved invoice draft to its accounting provider, and the preview of what is sent.

Billing names no provider: it builds a neutral PushDocument and calls the target provider's
`push_draft` hook (integrations/base.py); Xero makes it a DRAFT invoice, QuickBooks an unsent one.

Exactly one invoice, whatever happens: the draft is marked "pushing" in its own transaction
first (a second click meets a conflict), and every attempt of the same content carries the
draft's idempotency key, so the HTTP layer's retry after a timeout, or a person pushing again
after a failure, gets the first invoice back instead of a second one. The push runs in the
request with a short per-attempt timeout (DRAFT_PUSH_TIMEOUT_SECONDS); a push left "pushing" by
a crash may be pushed again after PUSH_STALE, with the same key.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from billingone.billing.draft_models import DraftStatus, InvoiceDraft, InvoiceDraftLine
from billingone.billing.drafts import audit_draft, check_can_act, draft_targets
from billingone.integrations.base import ProviderError, PushDocument, PushLine, PushResult
from billingone.integrations.instances import connected_provider
from billingone.orgs.errors import Conflict

logger = logging.getLogger("billingone.billing")
PUSH_STALE = timedelta(minutes=5)


def document(draft: InvoiceDraft, lines: list[InvoiceDraftLine]) -> PushDocument:
    customer = draft.customer
    return PushDocument(
        kind=draft.kind,
        customer_external_id=customer.external_id if customer else "",
        customer_name=customer.name if customer else draft.client.name,
        currency=draft.currency,
        issue_date=draft.issue_date,
        due_date=draft.due_date,
        reference=draft.reference,
        idempotency_key=draft.idempotency_key,
        lines=tuple(
            PushLine(
                position=line.pk,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=line.amount,
                item_code=line.item_code,
                item_external_id=line.item.external_id if line.item else "",
                tax_code=line.tax_code,
                account_code=line.account_code,
                period_start=line.period_start,
                period_end=line.period_end,
            )
            for line in lines
        ),
    )


def preview(draft: InvoiceDraft, lines: list[InvoiceDraftLine]) -> dict | None:
    """Exactly what a push sends now (None when the target no longer takes drafts)."""
    provider_cls = draft_targets().get(draft.target)
    return provider_cls.draft_payload(document(draft, lines)) if provider_cls else None


def claim(draft: InvoiceDraft) -> InvoiceDraft:
    """Mark the draft "pushing" (committed at once) or refuse: not approved, pushed, or being pushed."""
    with transaction.atomic():
        draft = (
            InvoiceDraft.objects.select_for_update(of=("self",))  # the customer is an outer join
            .select_related("organization", "client", "customer")
            .get(pk=draft.pk)
        )
        stale = draft.status == DraftStatus.PUSHING and draft.updated_at < timezone.now() - PUSH_STALE
        if draft.status == DraftStatus.PUSHED:
            raise Conflict("This draft was pushed already; open it in the accounting system.")
        if draft.status == DraftStatus.PUSHING and not stale:
            raise Conflict("This draft is being pushed right now; reload in a moment.")
        if draft.status not in (DraftStatus.APPROVED, DraftStatus.FAILED) and not stale:
            raise Conflict("Approve the draft before pushing it.")
        if draft.status == DraftStatus.FAILED and draft.rejected:  # the provider would answer the same
            raise Conflict("The provider refused this draft: fix what it named, approve it again, then push.")
        draft.status, draft.updated_at = DraftStatus.PUSHING, timezone.now()
        draft.save(update_fields=["status", "updated_at"])
    return draft


def push(draft: InvoiceDraft, *, actor, role: str, request=None) -> InvoiceDraft:
    """Send the draft to its provider and record what came of it (pushed, or failed with errors)."""
    check_can_act(role)
    draft = claim(draft)
    lines = list(draft.lines.select_related("item"))
    try:
        result = connected_provider(draft.organization, draft.target).push_draft(document(draft, lines))
    except ProviderError as error:
        # Permanent errors (not connected, access revoked) sent nothing; otherwise the invoice may exist.
        again = "" if error.permanent else " Push again: the same key makes sure only one invoice is created."
        result = PushResult(error=error.message + again)
        transient = True
    except Exception as exc:  # a bug of ours: a safe message here, the traceback in the logs
        logger.exception("Invoice draft push crashed", extra={"draft": draft.pk})
        result = PushResult(error=f"BillingOne hit an internal error while pushing ({type(exc).__name__}).")
        transient = True
    else:
        transient = False
    return record_result(draft, lines, result, transient=transient, actor=actor, request=request)


def record_result(draft, lines, result: PushResult, *, transient: bool, actor, request) -> InvoiceDraft:
    now = timezone.now()
    with transaction.atomic():
        for line in lines:
            line.error = result.line_errors.get(line.pk, "")
        InvoiceDraftLine.objects.bulk_update(lines, ["error"])
        if result.pushed:
            draft.status, draft.pushed_at, draft.pushed_by, draft.error = DraftStatus.PUSHED, now, actor, ""
            draft.external_id, draft.external_number, draft.external_url = (
                result.external_id,
                result.number,
                result.url,
            )
        else:
            draft.status, draft.error = DraftStatus.FAILED, result.error
            if not result.error:
                draft.error = "The provider refused some lines; fix them below, then approve and push again."
            draft.rejected = not transient
        draft.updated_at = now
        draft.save()
        audit_draft(
            "invoice_draft.push",
            draft,
            actor=actor,
            request=request,
            data={
                "outcome": draft.status,
                "external_id": draft.external_id,
                "error": draft.error[:300],
                "line_errors": len(result.line_errors),
            },
        )
    return draft
