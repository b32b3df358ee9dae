"""The Invoices page (synced Xero sales invoices) and the Client mapping page."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone

from billingone.billing import invoices as invoice_queries
from billingone.billing import mapping, mapping_flows
from billingone.billing.xero_models import ClientMapping, InvoiceStatus, XeroContact
from billingone.integrations.state import state_for
from billingone.orgs import roles
from billingone.orgs.tenancy import org_view

PAGE_SIZE = 50
MAPPING_STATES = {choice.value for choice in ClientMapping.State}


@org_view("org.view")
def invoices(request, slug: str):
    q = request.GET.get("q", "")[:100]
    status = request.GET.get("status", "")
    status = status if status in invoice_queries.STATUS_FILTERS else ""
    today = timezone.localdate()
    rows = invoice_queries.invoices(request.organization, q=q, status=status, today=today)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.shown_status = row.display_status(today)
    context = {
        "page": page,
        "q": q,
        "status": status,
        "statuses": InvoiceStatus.choices,
        "summary": invoice_queries.summary(request.organization, today),
        "xero": state_for(request.organization, "xero"),
        "can_sync": roles.has_capability(request.membership.role, "integrations.sync"),
        "can_connect": roles.has_capability(request.membership.role, "integrations.connect"),
    }
    return render(request, "billing/invoices.html", context)


def mapping_rows(organization, *, state: str = "", q: str = ""):
    rows = ClientMapping.objects.filter(organization=organization, company__removed_at__isnull=True)
    rows = rows.select_related("company", "contact", "confirmed_by")
    if state:
        rows = rows.filter(state=state)
    if q.strip():
        rows = rows.filter(Q(company__name__icontains=q.strip()) | Q(contact__name__icontains=q.strip()))
    return rows.order_by("company__name", "pk")


@org_view("org.view")
def client_mapping(request, slug: str):
    if mapping.needs_refresh(request.organization):
        mapping.refresh_suggestions(request.organization)
    state = request.GET.get("state", "")
    state = state if state in MAPPING_STATES else ""
    q = request.GET.get("q", "")[:100]
    rows = mapping_rows(request.organization, state=state, q=q)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    everything = ClientMapping.objects.filter(organization=request.organization, company__removed_at__isnull=True)
    counts = {key: everything.filter(state=key).count() for key in MAPPING_STATES}
    high = everything.filter(state="suggested", confidence__gte=mapping.HIGH_CONFIDENCE).count()
    contacts = XeroContact.objects.filter(organization=request.organization, removed_at__isnull=True, is_supplier=False)
    context = {
        "page": page,
        "state": state,
        "q": q,
        "counts": counts,
        "total": sum(counts.values()),
        "high": high,
        "threshold": mapping.HIGH_CONFIDENCE,
        "contacts": contacts.order_by("name").only("pk", "name"),
        "can_edit": roles.has_capability(request.membership.role, "integrations.connect"),
        "xero": state_for(request.organization, "xero"),
    }
    return render(request, "billing/client_mapping.html", context)


def _back(request, slug: str) -> str:
    query = request.POST.get("back", "")
    return f"/{slug}/clients/" + (f"?{query}" if query and "//" not in query else "")


@org_view("integrations.connect", methods=("POST",))
def mapping_update(request, slug: str, mapping_id: int):
    action = request.POST.get("action", "")
    try:
        if action == "confirm":
            row = mapping_flows.confirm(request.membership, request, mapping_id)
            messages.success(request, f"{row.company.name} → {row.contact.name} confirmed.")
        elif action in ("change", "clear"):
            contact_id = request.POST.get("contact") if action == "change" else None
            if action == "change" and not (contact_id or "").isdigit():
                raise mapping_flows.MappingError("Choose one of your Xero contacts.")
            row = mapping_flows.set_contact(request.membership, request, mapping_id, contact_id)
            target = row.contact.name if row.contact else "no contact"
            messages.success(request, f"{row.company.name} is now mapped to {target}.")
        else:
            raise mapping_flows.MappingError("Unknown action.")
    except mapping_flows.MappingError as error:
        messages.error(request, str(error))
    return redirect(_back(request, slug))


@org_view("integrations.connect", methods=("POST",))
def mapping_confirm_all(request, slug: str):
    count = mapping_flows.confirm_all_high(request.membership, request)
    if count:
        messages.success(request, f"Confirmed {count} high-confidence suggestion{'s' if count != 1 else ''}.")
    else:
        messages.info(request, "There were no high-confidence suggestions left to confirm.")
    return redirect(_back(request, slug))
