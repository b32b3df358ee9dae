"""Xero's web pages: its settings page (connect, own app, disconnect), the OAuth callback and
the choice of Xero organisation. Thin: the rules live in xero_flows.py."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from billingone.integrations import oauth
from billingone.integrations.base import ConfigurationInvalid
from billingone.integrations.models import Connection, SyncRun
from billingone.integrations.providers.xero import auth as xero_auth
from billingone.integrations.providers.xero import flows as xero_flows
from billingone.orgs.roles import has_capability
from billingone.orgs.tenancy import org_view


class OwnAppForm(forms.Form):
    own_client_id = forms.CharField(label="Client ID", max_length=100, strip=True)
    own_client_secret = forms.CharField(
        label="Client secret",
        max_length=200,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Stored encrypted and never shown again. Leave blank to keep the saved secret.",
    )


def settings_url(slug: str) -> str:
    return reverse("xero_settings", kwargs={"slug": slug})


def page_state(organization) -> dict:
    connection = Connection.objects.filter(organization=organization, provider="xero").first()
    config = (connection.config or {}) if connection else {}
    credentials = connection.get_credentials() if connection and connection.has_credentials else {}
    runs = SyncRun.objects.filter(organization=organization, provider="xero")
    return {
        "connection": connection,
        "connected": bool(connection and connection.is_connected),
        "status": connection.status if connection else "not_connected",
        "tenant_name": config.get("tenant_name", ""),
        "pending": config.get("pending_tenants", []),
        "app": "own" if credentials.get("own_client_id") else "platform",
        "own_client_id": credentials.get("own_client_id", ""),
        "platform_available": xero_auth.platform_app() is not None,
        "last_run": runs.first(),
        "scopes": " ".join(xero_auth.SCOPES),
        "redirect_uri": settings.XERO_REDIRECT_URI,
    }


@org_view("org.view")
def xero_settings(request, slug: str):
    state = page_state(request.organization)
    can_connect = has_capability(request.membership.role, "integrations.connect")
    form = OwnAppForm(initial={"own_client_id": state["own_client_id"]})
    return render(
        request,
        "xero/settings.html",
        {"section": "integrations", "state": state, "form": form, "can_connect": can_connect},
    )


@org_view("integrations.connect", methods=("POST",))
def xero_connect(request, slug: str):
    try:
        url = xero_flows.start_connect(request.membership, request, request.POST.get("next", ""))
    except ConfigurationInvalid as error:
        messages.error(request, error.message)
        return redirect(settings_url(slug))
    return redirect(url)


@never_cache
@login_required
@require_GET
def xero_callback(request):
    """Where Xero sends the browser back (the one registered redirect URI)."""
    params = request.GET
    try:
        membership, flow, choose = xero_flows.finish_connect(
            request, state=params.get("state", ""), code=params.get("code", ""), error=params.get("error", "")
        )
    except oauth.StateRejected as refused:
        return render(
            request,
            "xero/callback_error.html",
            {"title": "This connect link is not valid", "message": refused.message},
            status=403,
        )
    except xero_flows.ConnectFailed as failure:
        return render(
            request,
            "xero/callback_error.html",
            {"title": "Xero was not connected", "message": str(failure), "flow": True},
            status=400,
        )
    slug = membership.organization.slug
    if choose:
        return redirect(reverse("xero_choose", kwargs={"slug": slug}))
    messages.success(request, "Xero is connected. The first sync has started.")
    return redirect(flow.next_url or settings_url(slug))


@org_view("integrations.connect", methods=("GET", "POST"))
def xero_choose(request, slug: str):
    tenants = xero_flows.pending_tenants(request.organization)
    if not tenants:
        messages.info(request, "There is no Xero organisation waiting to be chosen. Connect Xero first.")
        return redirect(settings_url(slug))
    error = ""
    if request.method == "POST":
        try:
            xero_flows.choose_tenant(request.membership, request, request.POST.get("tenant", ""))
        except xero_flows.ConnectFailed as failure:
            error = str(failure)
        else:
            messages.success(request, "Xero is connected. The first sync has started.")
            return redirect(settings_url(slug))
    return render(
        request,
        "xero/choose.html",
        {"section": "integrations", "tenants": tenants, "error": error},
        status=400 if error else 200,
    )


@org_view("integrations.connect", methods=("POST",))
def xero_app(request, slug: str):
    if request.POST.get("action") == "remove":
        xero_flows.remove_own_app(request.membership, request)
        messages.success(request, "BillingOne's own Xero app will be used from now on.")
        return redirect(settings_url(slug))
    form = OwnAppForm(request.POST)
    if form.is_valid():
        try:
            xero_flows.save_own_app(
                request.membership, request, form.cleaned_data["own_client_id"], form.cleaned_data["own_client_secret"]
            )
        except xero_flows.ConnectFailed as failure:
            form.add_error("own_client_secret", str(failure))
        else:
            messages.success(request, "Your Xero app is saved. Connect (or reconnect) Xero to use it.")
            return redirect(settings_url(slug))
    state = page_state(request.organization)
    return render(
        request,
        "xero/settings.html",
        {"section": "integrations", "state": state, "form": form, "can_connect": True},
        status=400,
    )


@org_view("integrations.connect", methods=("POST",))
def xero_disconnect(request, slug: str):
    from billingone.integrations.flows import NotConnected

    try:
        revoked = xero_flows.disconnect(request.membership, request, purge=request.POST.get("data") == "purge")
    except NotConnected:
        messages.info(request, "Xero is not connected.")
        return redirect(settings_url(slug))
    note = "Access was revoked at Xero." if revoked else "Xero could not be told; revoke BillingOne in Xero too."
    messages.success(request, f"Xero is disconnected. {note}")
    return redirect(settings_url(slug))
