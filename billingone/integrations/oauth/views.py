"""The pages every OAuth provider shares: its settings page (connect, own app, disconnect), the
callback, and the choice of account. Thin: the rules live in oauth/flows.py."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from billingone.integrations import registry
from billingone.integrations.base import ConfigurationInvalid
from billingone.integrations.forms import DisconnectForm
from billingone.integrations.oauth import flows as oauth_flows
from billingone.integrations.oauth import session
from billingone.integrations.state import state_for
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


def settings_url(slug: str, provider: str) -> str:
    return reverse("integration_configure", kwargs={"slug": slug, "provider": provider})


def page_context(request, provider: str, form: OwnAppForm | None = None) -> dict:
    hooks = oauth_flows.hooks_for(provider)
    organization = request.organization
    state = state_for(organization, provider)
    credentials = oauth_flows.stored_credentials(organization, provider)
    own_client_id = credentials.get("own_client_id", "")
    return {
        "section": "integrations",
        "provider": registry.get_provider(provider),
        "hooks": hooks,
        "state": state,
        "config": (state.connection.config or {}) if state.connection else {},
        "pending": oauth_flows.pending_accounts(organization, provider),
        "app": "own" if own_client_id else "platform",
        "platform_available": hooks.platform_app() is not None,
        "can_connect": has_capability(request.membership.role, "integrations.connect"),
        "form": form or OwnAppForm(initial={"own_client_id": own_client_id}),
        "disconnect_form": DisconnectForm(),
    }


def settings_page(request, slug: str, provider: str, form: OwnAppForm | None = None, status: int = 200):
    """Reached through integrations.views.configure (the one settings URL per provider)."""
    return render(request, "integrations/oauth.html", page_context(request, provider, form), status=status)


@org_view("integrations.connect", methods=("POST",))
def connect(request, slug: str, provider: str):
    try:
        url = oauth_flows.start_connect(request.membership, request, provider, request.POST.get("next", ""))
    except ConfigurationInvalid as error:
        messages.error(request, error.message)
        return redirect(settings_url(slug, provider))
    return redirect(url)


@never_cache
@login_required
@require_GET
def callback(request, provider: str):
    """Where the provider sends the browser back (the one registered redirect URI)."""
    hooks = oauth_flows.hooks_for(provider)
    try:
        membership, flow, choose = oauth_flows.finish_connect(request, provider, request.GET)
    except session.StateRejected as refused:
        context = {"title": "This connect link is not valid", "message": refused.message, "hooks": hooks}
        return render(request, "integrations/oauth_error.html", context, status=403)
    except oauth_flows.ConnectFailed as failure:
        context = {"title": f"{hooks.name} was not connected", "message": str(failure), "hooks": hooks}
        return render(request, "integrations/oauth_error.html", context, status=400)
    slug = membership.organization.slug
    if choose:
        return redirect(reverse("oauth_choose", kwargs={"slug": slug, "provider": provider}))
    messages.success(request, f"{hooks.name} is connected. The first sync has started.")
    return redirect(flow.next_url or settings_url(slug, provider))


@org_view("integrations.connect", methods=("GET", "POST"))
def choose(request, slug: str, provider: str):
    hooks = oauth_flows.hooks_for(provider)
    accounts = oauth_flows.pending_accounts(request.organization, provider)
    if not accounts:
        messages.info(request, f"There is no {hooks.account_label} waiting to be chosen. Connect {hooks.name} first.")
        return redirect(settings_url(slug, provider))
    error = ""
    if request.method == "POST":
        try:
            oauth_flows.choose_account(request.membership, request, provider, request.POST.get("account", ""))
        except oauth_flows.ConnectFailed as failure:
            error = str(failure)
        else:
            messages.success(request, f"{hooks.name} is connected. The first sync has started.")
            return redirect(settings_url(slug, provider))
    context = {"section": "integrations", "hooks": hooks, "accounts": accounts, "error": error}
    return render(request, "integrations/oauth_choose.html", context, status=400 if error else 200)


@org_view("integrations.connect", methods=("POST",))
def own_app(request, slug: str, provider: str):
    hooks = oauth_flows.hooks_for(provider)
    if request.POST.get("action") == "remove":
        oauth_flows.remove_own_app(request.membership, request, provider)
        messages.success(request, f"BillingOne's own {hooks.name} app will be used from now on.")
        return redirect(settings_url(slug, provider))
    form = OwnAppForm(request.POST)
    if form.is_valid():
        try:
            oauth_flows.save_own_app(
                request.membership,
                request,
                provider,
                form.cleaned_data["own_client_id"],
                form.cleaned_data["own_client_secret"],
            )
        except oauth_flows.ConnectFailed as failure:
            form.add_error("own_client_secret", str(failure))
        else:
            messages.success(request, f"Your {hooks.name} app is saved. Connect (or reconnect) {hooks.name} to use it.")
            return redirect(settings_url(slug, provider))
    return settings_page(request, slug, provider, form=form, status=400)


def disconnect(request, slug: str, provider: str, purge: bool):
    """Reached through integrations.views.disconnect once the form is valid."""
    from billingone.integrations.flows import NotConnected

    hooks = oauth_flows.hooks_for(provider)
    try:
        revoked = oauth_flows.disconnect(request.membership, request, provider, purge=purge)
    except NotConnected:
        messages.info(request, f"{hooks.name} is not connected.")
        return redirect(settings_url(slug, provider))
    if revoked:
        note = f"Access was revoked at {hooks.name}."
    else:
        note = f"{hooks.name} could not be told; revoke BillingOne there too."
    messages.success(request, f"{hooks.name} is disconnected. {note}")
    return redirect(settings_url(slug, provider))
