"""The Payment links page: synced payment links with search, a state filter, pagination and a
Refresh button (the provider is read-only) with live progress."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from billingone.billing import payment_links as queries
from billingone.integrations.base import Side
from billingone.integrations.registry import PROVIDERS
from billingone.integrations.state import state_for
from billingone.orgs import roles
from billingone.orgs.tenancy import org_view

PAGE_SIZE = 50


def payments_provider() -> str:
    """The registered payments provider whose links this page shows (and refreshes)."""
    return next(provider.key for provider in PROVIDERS.values() if provider.side == Side.PAYMENTS)


@org_view("org.view")
def payment_links(request, slug: str):
    q = request.GET.get("q", "")[:100]
    state = request.GET.get("state", "")
    if state not in queries.STATE_FILTERS:
        state = ""
    page = Paginator(queries.payment_links(request.organization, q=q, state=state), PAGE_SIZE)
    page = page.get_page(request.GET.get("page"))
    for row in page.object_list:
        row.client_shown = queries.client_of(row)
    context = {
        "page": page,
        "q": q,
        "state": state,
        "states": queries.STATE_CHOICES,
        "provider": state_for(request.organization, payments_provider()),
        "can_sync": roles.has_capability(request.membership.role, "integrations.sync"),
        "can_connect": roles.has_capability(request.membership.role, "integrations.connect"),
    }
    return render(request, "billing/payment_links.html", context)
