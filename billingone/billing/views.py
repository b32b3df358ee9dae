"""The billing pages: Subscriptions (vendor side), Invoices (accounting side) and Clients, over
the neutral model, with every connected source's sync button and live progress. Thin: reads
are in queries.py, changes in client_flows.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from billingone.billing import client_flows, queries
from billingone.billing.matching import HIGH_CONFIDENCE
from billingone.billing.models import ClientLink, Subscription, choices
from billingone.integrations.base import Side
from billingone.integrations.records import InvoiceStatus, SubscriptionStatus
from billingone.integrations.state import integration_states
from billingone.orgs import roles
from billingone.orgs.errors import FlowError
from billingone.orgs.tenancy import org_view

PAGE_SIZE = 50


def _sources(request, side: Side) -> dict:
    states = [state for state in integration_states(request.organization) if state.provider.side == side]
    role = request.membership.role
    return {
        "sources": states,
        "connected_sources": [state for state in states if state.connected],
        "can_sync": roles.has_capability(role, "integrations.sync"),
        "can_connect": roles.has_capability(role, "integrations.connect"),
    }


def _filter(request, name: str, allowed) -> str:
    value = request.GET.get(name, "")
    return value if value in allowed else ""


@org_view("org.view")
def subscriptions(request, slug: str):
    context = _sources(request, Side.VENDOR)
    q = request.GET.get("q", "")[:100]
    status = _filter(request, "status", queries.SUBSCRIPTION_STATUSES)
    source = _filter(request, "source", {state.provider.key for state in context["sources"]})
    rows = queries.subscriptions(request.organization, q=q, status=status, source=source)
    context.update(
        page=Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        q=q,
        status=status,
        source=source,
        statuses=choices(SubscriptionStatus),
        total_live=Subscription.objects.filter(organization=request.organization, removed_at__isnull=True).count(),
    )
    return render(request, "billing/subscriptions.html", context)


@org_view("org.view")
def invoices(request, slug: str):
    context = _sources(request, Side.BILLING)
    q = request.GET.get("q", "")[:100]
    status = _filter(request, "status", queries.INVOICE_STATUSES)
    source = _filter(request, "source", {state.provider.key for state in context["sources"]})
    today = timezone.localdate()
    rows = queries.invoices(request.organization, q=q, status=status, source=source, today=today)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.shown_status = row.display_status(today)
    context.update(
        page=page,
        q=q,
        status=status,
        source=source,
        statuses=choices(InvoiceStatus),
        summary=queries.invoice_summary(request.organization, today, source),
    )
    return render(request, "billing/invoices.html", context)


@org_view("org.view")
def clients(request, slug: str):
    q = request.GET.get("q", "")[:100]
    linked = _filter(request, "linked", queries.LINKED_FILTERS)
    organization = request.organization
    counts = ClientLink.objects.filter(organization=organization, state=ClientLink.State.SUGGESTED).aggregate(
        suggested=Count("pk"), high=Count("pk", filter=Q(confidence__gte=HIGH_CONFIDENCE))
    )
    context = {
        "page": Paginator(queries.clients(organization, q=q, linked=linked), PAGE_SIZE).get_page(
            request.GET.get("page")
        ),
        "unlinked": Paginator(queries.unlinked_customers(organization, q=q), 20).get_page(request.GET.get("upage")),
        "q": q,
        "linked": linked,
        "suggested_count": counts["suggested"],
        "high_count": counts["high"],
        "threshold": HIGH_CONFIDENCE,
        "can_edit": roles.has_capability(request.membership.role, "integrations.connect"),
        "can_set_policy": roles.has_capability(request.membership.role, "org.manage"),
        "auto_confirm": organization.auto_confirm_links,
        "auto_confirm_range": client_flows.AUTO_CONFIRM_RANGE,
    }
    return render(request, "billing/clients.html", context)


def _back(request, slug: str) -> str:
    query = request.POST.get("back", "")
    return f"/{slug}/clients/" + (f"?{query}" if query and "//" not in query else "")


@org_view("integrations.connect", methods=("POST",))
def link_decide(request, slug: str, link_id: int, action: str):
    flow = {"confirm": client_flows.confirm, "reject": client_flows.reject}.get(action)
    if flow is None:
        raise Http404("No such action")
    try:
        link = flow(request.membership, request, link_id)
    except client_flows.NotFound:
        raise Http404("No such link") from None
    verb = "linked to" if link.state == ClientLink.State.CONFIRMED else "no longer suggested for"
    messages.success(request, f"{link.customer.name} is {verb} {link.client.name}.")
    return redirect(_back(request, slug))


@org_view("integrations.connect", methods=("POST",))
def link_customer(request, slug: str, customer_id: int):
    client_id = request.POST.get("client", "")
    if not client_id.isdigit():
        messages.error(request, "Choose one of your clients.")
        return redirect(_back(request, slug))
    try:
        link = client_flows.link_by_hand(request.membership, request, customer_id, int(client_id))
    except client_flows.NotFound as error:
        messages.error(request, str(error))
        return redirect(_back(request, slug))
    messages.success(request, f"{link.customer.name} is linked to {link.client.name}.")
    return redirect(_back(request, slug))


@org_view("integrations.connect", methods=("POST",))
def confirm_all(request, slug: str):
    count = client_flows.confirm_all_high(request.membership, request)
    if count:
        messages.success(request, f"Confirmed {count} high-confidence suggestion{'s' if count != 1 else ''}.")
    else:
        messages.info(request, "There were no high-confidence suggestions left to confirm.")
    return redirect(_back(request, slug))


@org_view("org.manage", methods=("POST",))
def auto_confirm_policy(request, slug: str):
    value = request.POST.get("threshold", "").strip()
    if value and not (value.isdigit() and len(value) <= 3):
        messages.error(request, "The confidence is a whole number, or empty to turn auto-confirm off.")
        return redirect(_back(request, slug))
    try:
        threshold = client_flows.set_auto_confirm(request.membership, request, int(value) if value else None)
    except FlowError as error:
        messages.error(request, error.message)
        return redirect(_back(request, slug))
    if threshold is None:
        messages.success(request, "Auto-confirm is off: every client link waits for a person.")
    else:
        messages.success(
            request, f"From the next sync, suggestions at {threshold}% or more are linked without a person."
        )
    return redirect(_back(request, slug))


@org_view("org.view")
def client_search(request, slug: str):
    """The typeahead of the "link by hand" field: at most 20 clients whose name matches."""
    from billingone.billing.models import Client

    q = request.GET.get("q", "")[:100].strip()
    rows = Client.objects.filter(organization=request.organization)
    rows = rows.filter(name__icontains=q) if q else rows.none()
    context = {"matches": rows.order_by("name")[:20], "customer": request.GET.get("customer", "")}
    return render(request, "billing/_client_options.html", context)
