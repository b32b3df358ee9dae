"""The Dashboard page, the organization's home (/<slug>/). Thin: the figures are dashboard.py's,
the charts' geometry dashboard_chart.py's."""

from __future__ import annotations

from django.shortcuts import render

from billingone.billing import dashboard, dashboard_activity, dashboard_chart
from billingone.integrations import registry
from billingone.integrations.base import Side
from billingone.orgs import roles
from billingone.orgs.flows import remember_organization
from billingone.orgs.tenancy import org_view


def _chosen(data: dashboard.Dashboard, requested: str | None) -> dashboard.CurrencyFigures | None:
    """The currency the charts and cards show: the one asked for, else the main one. No
    parameter means the main one; `?currency=` (empty) asks for rows without a currency."""
    if requested is None:
        return data.main
    return next((f for f in data.currencies if f.currency == requested[:3]), data.main)


def links(slug: str) -> dict[str, str | None]:
    page = dashboard_activity.page_url
    return {
        "subscriptions": page("subscriptions", slug, "status=active"),
        "invoices": page("invoices", slug),
        "invoices_draft": page("invoices", slug, "status=draft"),
        "invoices_submitted": page("invoices", slug, "status=submitted"),
        "invoices_overdue": page("invoices", slug, "status=overdue"),
        "reconciliation": page("reconciliation", slug),
        "missed_billing": page("missed_billing", slug, "kind=under_billed"),
        "drafts": dashboard_activity.drafts_url(slug),
        "drafts_pushed": dashboard_activity.drafts_url(slug, "status=pushed"),
        "integrations": page("settings_integrations", slug),
    }


def _vendor_providers() -> list:
    return [provider for provider in registry.PROVIDERS.values() if provider.side == Side.VENDOR]


@org_view("org.view")
def dashboard_page(request, slug: str):
    remember_organization(request.user, request.organization)
    data = dashboard.build(request.organization)
    figures = _chosen(data, request.GET.get("currency"))
    slug = request.organization.slug
    context = {
        "data": data,
        "figures": figures,
        "chart": dashboard_chart.month_chart(figures, show_cost=figures.has_cost) if figures else None,
        "leakage": (dashboard_chart.leakage_split(figures.under_billed_impact, figures.recovered) if figures else None),
        "links": links(slug),
        "activity": dashboard_activity.merged(data.activity, data.latest_invoices, slug),
        "vendor_providers": _vendor_providers(),
        "can_connect": roles.has_capability(request.membership.role, "integrations.connect"),
    }
    return render(request, "billing/dashboard.html", context)
