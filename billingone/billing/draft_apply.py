"""Applying missed-billing items: each one's gap becomes a line on its client's open invoice draft.

An under-billed item goes on the client's open invoice draft, an over-billed one on its open
credit note draft, the draft created when there is none. Its target is the accounting provider
that bills the client (its confirmed link to a customer of a provider that takes drafts, the
finding's billing source first). The line names the mapped item, the period, the gap as quantity,
the unit price and the provider's default tax code. The finding becomes "applied"
(missed_billing.py); removing its line opens it again (drafts.py). A new draft tells Finance and
up "drafts ready for review".
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from billingone.audit.log import record
from billingone.billing.draft_models import DraftKind, DraftStatus, InvoiceDraft, InvoiceDraftLine
from billingone.billing.drafts import CENT, UNPUSHED, audit_draft, draft_targets, find_item, label, recompute
from billingone.billing.finding_models import Finding, Outcome
from billingone.billing.models import Customer, InvoiceLine, ProductItemMapping
from billingone.notifications.notify import notify
from billingone.orgs.errors import Conflict, FlowError

DUE_DAYS = 14
TERM_MONTHS = {"annual": 12, "multi_year": 36}


def billing_customer(finding: Finding) -> Customer | None:
    """The client's customer at the provider that bills it: the finding's billing source first."""
    targets = draft_targets()
    preferred = [key for key in finding.billing_sources.split() if key in targets]
    order = preferred + [key for key in targets if key not in preferred]
    customers = Customer.objects.filter(
        organization_id=finding.organization_id,
        client_id=finding.client_id,
        source__in=order,
        removed_at__isnull=True,
        is_client=True,
    )
    by_source = {}
    for customer in customers.order_by("-active", "pk"):
        by_source.setdefault(customer.source, customer)
    return next((by_source[key] for key in order if key in by_source), None)


def period_of(finding: Finding, today: date) -> tuple[date, date]:
    """The service period the line bills: this month, or the term from today for annual terms."""
    months = TERM_MONTHS.get(finding.term)
    if months is None:
        return today.replace(day=1), today.replace(day=calendar.monthrange(today.year, today.month)[1])
    year, month = divmod(today.month - 1 + months, 12)
    end = date(today.year + year, month + 1, min(today.day, calendar.monthrange(today.year + year, month + 1)[1]))
    return today, end - timedelta(days=1)


def period_label(start: date, end: date) -> str:
    if start.year == end.year:
        return f"{start.day} {start:%b} – {end.day} {end:%b %Y}"
    return f"{start.day} {start:%b %Y} – {end.day} {end:%b %Y}"


def describe(finding: Finding, start: date, end: date) -> str:
    gap = abs(finding.gap).normalize()
    what = "not billed" if finding.kind == Outcome.UNDER_BILLED else "billed too many"
    product = finding.product_label or "Licences"
    return f"{product} · {period_label(start, end)} · {gap:f} licence{'s' if gap != 1 else ''} {what}"


def item_code_of(finding: Finding, target: str) -> str:
    """The mapped item code as the provider spells it (findings keep it lower-cased)."""
    kind, _, value = finding.item_target.partition(":")
    if kind != "code":
        return ""
    spelled = (
        ProductItemMapping.objects.filter(product_id=finding.product_id, item_code__iexact=value)
        .values_list("item_code", flat=True)
        .first()
    )
    if spelled is None:
        lines = InvoiceLine.objects.filter(
            organization_id=finding.organization_id, invoice__source=target, item_code__iexact=value
        )
        spelled = lines.values_list("item_code", flat=True).first()
    return spelled or value


def open_draft(finding: Finding, customer: Customer, kind: str, actor) -> tuple[InvoiceDraft, bool]:
    """The client's open draft of `kind` at the customer's provider, created when there is none."""
    wanted = {
        "organization_id": finding.organization_id,
        "client_id": finding.client_id,
        "target": customer.source,
        "kind": kind,
        "status": DraftStatus.DRAFT,
    }
    found = InvoiceDraft.objects.select_for_update().filter(**wanted).first()
    if found is not None:
        return found, False
    today = timezone.localdate()
    try:
        with transaction.atomic():
            draft = InvoiceDraft.objects.create(
                **wanted,
                customer=customer,
                currency=finding.currency,
                issue_date=today,
                due_date=today + timedelta(days=DUE_DAYS),
                created_by=actor,
            )
    except IntegrityError:  # another person opened it a moment ago
        return InvoiceDraft.objects.select_for_update().get(**wanted), False
    draft.reference = f"BillingOne draft #{draft.pk}"
    draft.save(update_fields=["reference"])
    return draft, True


def new_line(draft: InvoiceDraft, finding: Finding) -> InvoiceDraftLine:
    start, end = period_of(finding, timezone.localdate())
    code = item_code_of(finding, draft.target)
    item = find_item(draft, code)
    quantity, price = abs(finding.gap), finding.unit_price or Decimal(0)
    position = draft.lines.count() + 1
    return InvoiceDraftLine.objects.create(
        organization_id=draft.organization_id,
        draft=draft,
        position=position,
        finding=finding,
        item=item,
        item_code=code,
        description=describe(finding, start, end),
        period_start=start,
        period_end=end,
        quantity=quantity,
        unit_price=price,
        tax_code=draft_targets()[draft.target].default_tax_code,
        amount=(quantity * price).quantize(CENT),
    )


def add_finding(finding: Finding, *, actor, request=None) -> InvoiceDraft:
    """Put one queue item's gap on its client's open draft (in the caller's transaction)."""
    if finding.kind not in (Outcome.UNDER_BILLED, Outcome.OVER_BILLED):
        raise FlowError("Only under-billed and over-billed items go on a draft; map the product first.")
    if finding.client_id is None or not finding.gap:
        raise FlowError("This item names no client or no gap to bill.")
    on_draft = InvoiceDraftLine.objects.filter(finding=finding, draft__status__in=UNPUSHED).first()
    if on_draft is not None:
        raise Conflict(f"This item is already on invoice draft #{on_draft.draft_id}.")
    customer = billing_customer(finding)
    if customer is None:
        raise FlowError(
            f"{finding.client_label or 'This client'} is not linked to a customer in Xero or QuickBooks; "
            "confirm its link on the Clients page first."
        )
    kind = DraftKind.INVOICE if finding.kind == Outcome.UNDER_BILLED else DraftKind.CREDIT_NOTE
    draft, created = open_draft(finding, customer, kind, actor)
    line = new_line(draft, finding)
    recompute(draft)
    if created:
        audit_draft("invoice_draft.create", draft, actor=actor, request=request)
        transaction.on_commit(lambda: announce(draft))
    record(
        "invoice_draft.update",
        organization=draft.organization,
        request=request,
        actor=actor,
        target=draft,
        target_label=label(draft),
        data={"added_line": line.pk, "finding": finding.pk, "amount": str(line.amount)},
    )
    return draft


def announce(draft: InvoiceDraft) -> None:
    """ "Drafts ready for review", once per new draft, to Finance and up per their preferences."""
    context = {"count": 1, "client": draft.client.name, "draft": draft.pk}
    notify("billing.drafts_ready", draft.organization, context, dedupe_key=f"billing.drafts_ready:{draft.pk}")
