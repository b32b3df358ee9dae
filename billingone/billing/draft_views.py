"""The Drafts pages: invoice drafts by status, and one draft with its lines (editable), the
preview of exactly what a push sends, approve, push and the link to the pushed invoice."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render

from billingone.billing import draft_push, drafts
from billingone.billing.draft_models import DraftStatus, InvoiceDraft, recovered_through_drafts
from billingone.billing.draft_payloads import target_info
from billingone.orgs import roles
from billingone.orgs.errors import FlowError
from billingone.orgs.tenancy import org_view

PAGE_SIZE = 25
LINE_FIELDS = ("description", "quantity", "unit_price", "item_code", "tax_code")


class StatusFilter(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *DraftStatus.choices], required=False)


class DraftForm(forms.Form):
    issue_date = forms.DateField(required=False)
    due_date = forms.DateField(required=False)
    reference = forms.CharField(max_length=255, required=False)


def _can_act(request) -> bool:
    return roles.has_capability(request.membership.role, drafts.CAPABILITY)


@org_view("org.view")
def drafts_page(request, slug: str):
    form = StatusFilter(request.GET)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    page = Paginator(drafts.drafts(request.organization, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    counts = InvoiceDraft.objects.filter(organization=request.organization).aggregate(
        **{value: Count("id", filter=Q(status=value)) for value in DraftStatus.values}
    )
    context = {
        "page": page,
        "items": list(page.object_list),
        "status": status,
        "statuses": [(value, label, counts[value]) for value, label in DraftStatus.choices],
        "recovered": recovered_through_drafts(request.organization),
    }
    return render(request, "billing/drafts.html", context)


def _draft(request, draft_id: int) -> InvoiceDraft:
    rows = InvoiceDraft.objects.select_related("organization", "client", "customer", "pushed_by")
    return get_object_or_404(rows, pk=draft_id, organization=request.organization)


@org_view("org.view")
def draft_page(request, slug: str, draft_id: int):
    draft = _draft(request, draft_id)
    lines = list(draft.lines.select_related("item").order_by("position", "pk"))
    preview = draft_push.preview(draft, lines)
    context = {
        "draft": draft,
        "lines": lines,
        "target": target_info(draft),
        "preview": json.dumps(preview, indent=2, default=str, ensure_ascii=False) if preview is not None else "",
        "can_act": _can_act(request),
        "editable": draft.status in drafts.EDITABLE,
        "line_errors": sum(1 for line in lines if line.error),
    }
    return render(request, "billing/draft.html", context)


def _line_edits(request, draft: InvoiceDraft) -> list[drafts.LineEdit]:
    edits = []
    for line_id in draft.lines.values_list("pk", flat=True):
        values = {name: request.POST.get(f"line-{line_id}-{name}") for name in LINE_FIELDS}
        if any(value is not None for value in values.values()):
            edits.append(drafts.LineEdit(id=line_id, **values))
    return edits


def _flow(request, action) -> bool:
    try:
        action()
    except FlowError as error:
        messages.error(request, error.message)
        return False
    return True


@org_view("billing.reconcile", methods=("POST",))
def draft_update(request, slug: str, draft_id: int):
    draft = _draft(request, draft_id)
    form = DraftForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Dates are YYYY-MM-DD; the reference is at most 255 characters.")
        return redirect("invoice_draft", slug=slug, draft_id=draft.pk)
    remove = [int(v) for v in request.POST.getlist("remove") if v.isdigit() and len(v) < 18]
    done = _flow(
        request,
        lambda: drafts.update(
            draft,
            actor=request.user,
            role=request.membership.role,
            request=request,
            lines=_line_edits(request, draft),
            remove=remove,
            issue_date=form.cleaned_data["issue_date"],
            due_date=form.cleaned_data["due_date"],
            reference=form.cleaned_data["reference"],
        ),
    )
    if done:
        messages.success(request, "Draft saved." + (" Approve it again to push it." if draft.status != "draft" else ""))
    return redirect("invoice_draft", slug=slug, draft_id=draft.pk)


@org_view("billing.reconcile", methods=("POST",))
def draft_action(request, slug: str, draft_id: int, action: str):
    draft = _draft(request, draft_id)
    kwargs = {"actor": request.user, "role": request.membership.role, "request": request}
    if action == "approve":
        if _flow(request, lambda: drafts.approve(draft, **kwargs)):
            messages.success(request, "Approved. Push it when you are ready.")
    elif action == "push":
        if _flow(request, lambda: draft_push.push(draft, **kwargs)):
            draft.refresh_from_db()
            if draft.status == DraftStatus.PUSHED:
                messages.success(request, f"Pushed to {target_info(draft)['target_name']}.")
            else:
                messages.error(request, "The push did not go through; see the errors below.")
    elif action == "delete":
        if _flow(request, lambda: drafts.delete(draft, **kwargs)):
            messages.success(request, "Draft deleted; its items are open in the queue again.")
            return redirect("invoice_drafts", slug=slug)
    else:
        messages.error(request, "Unknown action.")
    return redirect("invoice_draft", slug=slug, draft_id=draft.pk)
