"""The Subscriptions page: synced Pax8 subscriptions with search, status filter, pagination
and a "Sync from Pax8" button with live progress."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from billingone.billing import queries
from billingone.billing.models import Pax8Subscription
from billingone.integrations.state import state_for
from billingone.orgs import roles
from billingone.orgs.tenancy import org_view

PAGE_SIZE = 50


@org_view("org.view")
def subscriptions(request, slug: str):
    q = request.GET.get("q", "")[:100]
    status = request.GET.get("status", "")
    if status not in queries.STATUS_FILTERS:
        status = ""
    rows = queries.subscriptions(request.organization, q=q, status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    pax8 = state_for(request.organization, "pax8")
    context = {
        "page": page,
        "q": q,
        "status": status,
        "statuses": Pax8Subscription.Display.choices,
        "pax8": pax8,
        "can_sync": roles.has_capability(request.membership.role, "integrations.sync"),
        "can_connect": roles.has_capability(request.membership.role, "integrations.connect"),
        "total_live": Pax8Subscription.objects.filter(
            organization=request.organization, removed_at__isnull=True
        ).count(),
    }
    return render(request, "billing/subscriptions.html", context)
