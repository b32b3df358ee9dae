"""The Domains & hosting page: every domain and hosting service a vendor source synced (kind
domain / hosting, whatever the provider), with search, filters, the 30/60/90-day renewal
windows and, per renewal, its client and whether it is billed. Reads are in domains.py."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from billingone.billing import domains as queries
from billingone.integrations.state import integration_states
from billingone.orgs import roles
from billingone.orgs.tenancy import org_view

PAGE_SIZE = 50
MODE = "domains_hosting"


def domain_sources(request) -> list:
    """The registered providers that sync domains and hosting (their sync mode says so)."""
    return [state for state in integration_states(request.organization) if state.provider.mode(MODE)]


def chosen(request, name: str, allowed) -> str:
    value = request.GET.get(name, "")
    return value if value in allowed else ""


@org_view("org.view")
def domains(request, slug: str):
    today = timezone.localdate()
    sources = domain_sources(request)
    filters = {
        "q": request.GET.get("q", "")[:100],
        "kind": chosen(request, "kind", {k for k, _ in queries.KIND_CHOICES}),
        "status": chosen(request, "status", {s for s, _ in queries.STATUS_CHOICES}),
        "linked": chosen(request, "linked", queries.LINK_FILTERS),
        "window": chosen(request, "window", {str(days) for days in queries.WINDOWS}),
    }
    rows = queries.domains(
        request.organization,
        **{**filters, "window": int(filters["window"]) if filters["window"] else None},
        today=today,
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.client_shown = queries.client_of(row)
        row.billing = queries.billing_state(row)
        row.billing_label = queries.BILLING_LABELS[row.billing]
    role = request.membership.role
    context = {
        **filters,
        "filtered": any(filters.values()),
        "page": page,
        "today": today,
        "windows": queries.renewal_windows(request.organization, today),
        "kinds": queries.KIND_CHOICES,
        "statuses": queries.STATUS_CHOICES,
        "link_choices": queries.LINK_CHOICES,
        "sources": sources,
        "connected_sources": [state for state in sources if state.connected],
        "can_sync": roles.has_capability(role, "integrations.sync"),
        "can_connect": roles.has_capability(role, "integrations.connect"),
    }
    return render(request, "billing/domains.html", context)
