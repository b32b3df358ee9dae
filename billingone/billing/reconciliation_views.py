"""The Reconciliation page (summary cards, per-client table with drill-down, source coverage, CSV)
and the Products page (vendor product → accounting item mapping)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from billingone.audit.log import record
from billingone.billing import finding_payloads, product_mapping
from billingone.billing.coverage import source_coverage
from billingone.billing.evidence import evidence_for
from billingone.billing.finding_models import Finding, Outcome, ReconciliationRun
from billingone.billing.models import Product
from billingone.billing.reconciliation import summary
from billingone.billing.tasks import reconcile_later
from billingone.orgs import roles
from billingone.orgs.errors import FlowError
from billingone.orgs.tenancy import org_view

PAGE_SIZE = 50
CARDS = (Outcome.UNDER_BILLED, Outcome.OVER_BILLED, Outcome.MATCHED, Outcome.UNMAPPED, Outcome.NO_DATA)


def _cards(organization, active: str) -> list[dict]:
    totals = summary(organization)
    return [{"key": k, "label": Outcome(k).label, "active": k == active, **totals[k]} for k in CARDS]


def _drill_down(request) -> tuple[str, list[Finding]]:
    """The findings of the client (or unlinked company) asked for with ?client= / ?customer=, with evidence."""
    client, customer = request.GET.get("client", ""), request.GET.get("customer", "")
    rows = Finding.objects.filter(organization=request.organization, current=True, scope=Finding.Scope.PRODUCT)
    if client.isdigit() and len(client) < 18:
        rows = rows.filter(client_id=int(client))
    elif customer.isdigit() and len(customer) < 18:
        rows = rows.filter(client__isnull=True, customer_id=int(customer))
    else:
        return "", []
    findings = list(rows.order_by("-severity_rank", "-monthly_impact", "product_label")[:100])
    evidence = evidence_for(request.organization, findings, timezone.localdate())
    for finding in findings:
        finding.evidence = evidence[finding.pk]
    return (findings[0].client_label if findings else ""), findings


@org_view("org.view")
def reconciliation_page(request, slug: str):
    outcome = request.GET.get("outcome", "")
    outcome = outcome if outcome in Outcome.values else ""
    rows = finding_payloads.client_rows(request.organization, outcome)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    products = finding_payloads.products_by_owner(request.organization, list(page.object_list))
    for row in page.object_list:
        row["outcome"] = finding_payloads.RANK_OUTCOME[row["rank"]]
        row["outcome_label"] = Outcome(row["outcome"]).label
        row["findings"] = products[finding_payloads.owner_key(row["client_id"], row["customer_id"])]
        row["by_currency"] = finding_payloads.money_by_currency(row["findings"])
    drill_label, drill = _drill_down(request)
    context = {
        "page": page,
        "outcome": outcome,
        "cards": _cards(request.organization, outcome),
        "sources": source_coverage(request.organization),
        "last_run": ReconciliationRun.objects.filter(organization=request.organization).first(),
        "drill": drill,
        "drill_label": drill_label,
        "can_reconcile": roles.has_capability(request.membership.role, "billing.reconcile"),
    }
    return render(request, "billing/reconciliation.html", context)


@org_view("billing.reconcile", methods=("POST",))
def reconcile_now(request, slug: str):
    record("reconciliation.request", organization=request.organization, request=request)
    reconcile_later(request.organization, "person", actor=request.user)
    messages.success(request, "Reconciliation started; this page shows its results in a moment.")
    return redirect("reconciliation", slug=slug)


@org_view("org.view")
def reconciliation_export(request, slug: str):
    record("missed_billing.export", organization=request.organization, request=request, data={"what": "results"})
    response = HttpResponse(finding_payloads.results_csv(request.organization), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="reconciliation-{request.organization.slug}-{stamp}.csv"'
    return response


class MappingForm(forms.Form):
    action = forms.ChoiceField(choices=[("confirm", "confirm"), ("change", "change"), ("clear", "clear")])
    item_code = forms.CharField(max_length=100, required=False)
    description_pattern = forms.CharField(max_length=200, required=False)


@org_view("org.view")
def products_page(request, slug: str):
    state = request.GET.get("state", "")
    state = state if state in ("confirmed", "suggested", "unmapped") else ""
    q = request.GET.get("q", "")[:100]
    rows = product_mapping.products(request.organization, q=q, state=state)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "state": state,
        "q": q,
        "can_edit": roles.has_capability(request.membership.role, product_mapping.CAPABILITY),
    }
    return render(request, "billing/products.html", context)


@org_view("billing.reconcile", methods=("POST",))
def product_update(request, slug: str, product_id: int):
    product = get_object_or_404(Product, pk=product_id, organization=request.organization)
    form = MappingForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Item codes are at most 100 characters and patterns at most 200.")
        return redirect("products", slug=slug)
    data, who = form.cleaned_data, {"actor": request.user, "role": request.membership.role, "request": request}
    try:
        if data["action"] == "confirm":
            product_mapping.confirm_suggestion(product, **who)
        elif data["action"] == "clear":
            product_mapping.clear_mapping(product, **who)
        else:
            code, pattern = data["item_code"], data["description_pattern"]
            product_mapping.set_mapping(product, item_code=code, pattern=pattern, **who)
    except FlowError as error:
        messages.error(request, error.message)
        return redirect("products", slug=slug)
    reconcile_later(request.organization, "mapping", actor=request.user)
    messages.success(request, f"{product.name}: mapping saved; reconciliation runs again in the background.")
    return redirect("products", slug=slug)


@org_view("billing.reconcile", methods=("POST",))
def products_suggest(request, slug: str):
    found = product_mapping.refresh_suggestions(request.organization)
    messages.success(request, f"{found} suggestion{'s' if found != 1 else ''} from your invoice lines.")
    return redirect("products", slug=slug)
