"""The Audit Logs section of Settings: who changed what, filters, sync history, CSV export."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from billingone.audit.flows import export_csv
from billingone.audit.forms import AuditFilterForm
from billingone.audit.query import AuditFilters, FilterError, filtered, parse_filters, sync_history
from billingone.orgs.tenancy import org_view

PAGE_SIZE = 50


def _filters(request, form: AuditFilterForm) -> AuditFilters:
    if not form.is_valid():
        return AuditFilters()
    data = {key: value for key, value in form.cleaned_data.items() if value}
    try:
        return parse_filters({key: str(value) for key, value in data.items()})
    except FilterError:
        return AuditFilters()


@org_view("audit.read")
def settings_audit(request, slug: str):
    form = AuditFilterForm(request.organization, request.GET or None)
    filters = _filters(request, form)
    page = Paginator(filtered(request.organization, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "section": "audit",
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "filtered": bool(filters.as_dict()),
        "sync_runs": sync_history(request.organization) if not filters.as_dict() else [],
    }
    return render(request, "audit/settings.html", context)


@org_view("audit.read")
def export(request, slug: str):
    form = AuditFilterForm(request.organization, request.GET or None)
    return export_csv(request.organization, _filters(request, form), request=request)
