"""The Missed billing page: the queue with filters, evidence, actions one by one or in bulk, CSV."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from billingone.audit.log import record
from billingone.billing import missed_billing
from billingone.billing.evidence import evidence_for
from billingone.billing.finding_models import Finding, Outcome, QueueStatus, Severity
from billingone.billing.finding_payloads import queue_csv
from billingone.orgs import roles
from billingone.orgs.errors import FlowError
from billingone.orgs.tenancy import org_view

PAGE_SIZE = 50
KIND_CHOICES = [(k, Outcome(k).label) for k in missed_billing.QUEUE_KINDS]


class QueueFilters(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *QueueStatus.choices], required=False)
    kind = forms.ChoiceField(choices=[("", "Any kind"), *KIND_CHOICES], required=False)
    severity = forms.ChoiceField(choices=[("", "Any severity"), *Severity.choices], required=False)
    q = forms.CharField(max_length=100, required=False)


class ActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in missed_billing.ACTIONS])
    until = forms.DateField(required=False)
    reason = forms.CharField(max_length=300, required=False)


def _filters(request) -> dict:
    data = request.GET.copy()
    if "status" not in data:
        data["status"] = QueueStatus.OPEN  # what needs a person, unless asked otherwise
    form = QueueFilters(data)
    return form.cleaned_data if form.is_valid() else {"status": QueueStatus.OPEN, "kind": "", "severity": "", "q": ""}


@org_view("org.view")
def queue_page(request, slug: str):
    filters = _filters(request)
    rows = missed_billing.queue(request.organization, **filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    evidence = evidence_for(request.organization, items, timezone.localdate())
    for item in items:
        item.evidence = evidence[item.pk]
    context = {
        "page": page,
        "items": items,
        "filters": filters,
        "form": QueueFilters(initial=filters),
        "totals": missed_billing.totals(request.organization),
        "can_act": roles.has_capability(request.membership.role, missed_billing.CAPABILITY),
        "today": timezone.localdate(),
    }
    return render(request, "billing/missed_billing.html", context)


def _back(request, slug: str):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("missed_billing", slug=slug)


def _act(request, ids: list[int]) -> list[Finding]:
    form = ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose an action; dates are YYYY-MM-DD and reasons at most 300 characters.")
        return []
    action, until, reason = form.cleaned_data["action"], form.cleaned_data["until"], form.cleaned_data["reason"]
    try:
        done = missed_billing.act_in_bulk(
            request.organization,
            ids,
            action,
            actor=request.user,
            role=request.membership.role,
            request=request,
            until=until,
            reason=reason,
        )
    except FlowError as error:
        messages.error(request, error.message)
        return []
    if action == "apply":
        messages.success(request, f"{len(done)} item{'s' if len(done) != 1 else ''} put on the client's draft.")
    else:
        messages.success(request, f"{len(done)} item{'s' if len(done) != 1 else ''}: {action} done.")
    return done


@org_view("billing.reconcile", methods=("POST",))
def item_action(request, slug: str, item_id: int):
    get_object_or_404(Finding, pk=item_id, organization=request.organization, queued=True)
    done = _act(request, [item_id])
    if done and request.POST.get("action") == "apply":  # on to the draft, to review it
        return redirect("invoice_draft", slug=slug, draft_id=done[0].draft.pk)
    return _back(request, slug)


@org_view("billing.reconcile", methods=("POST",))
def bulk_action(request, slug: str):
    ids = [int(value) for value in request.POST.getlist("ids") if value.isdigit() and len(value) < 18]
    done = _act(request, ids)
    if done and request.POST.get("action") == "apply":
        return redirect("invoice_draft", slug=slug, draft_id=done[0].draft.pk)
    return _back(request, slug)


@org_view("org.view")
def queue_export(request, slug: str):
    filters = _filters(request)
    rows = missed_billing.queue(request.organization, **filters)
    record("missed_billing.export", organization=request.organization, request=request, data={"filters": filters})
    response = HttpResponse(queue_csv(rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="missed-billing-{request.organization.slug}-{stamp}.csv"'
    return response
