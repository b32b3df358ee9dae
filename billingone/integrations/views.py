"""Settings → Billing Integrations: provider cards, Configure / Test / Save / Disconnect,
sync buttons, Sync All, live progress (htmx polling) and the run history. Thin views over
flows.py; the tenancy gate decides who gets in."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billingone.integrations import flows, registry, webhooks
from billingone.integrations.forms import CredentialsForm, DisconnectForm, SyncForm
from billingone.integrations.models import Connection, SyncRun
from billingone.integrations.oauth import views as oauth_views
from billingone.integrations.state import integration_states, state_for
from billingone.orgs import roles
from billingone.orgs.tenancy import org_view

HISTORY_SIZE = 25


@org_view("org.view")
def integrations_page(request, slug: str):
    organization = request.organization
    states = integration_states(organization)
    role = request.membership.role
    context = {
        "section": "integrations",
        "cards": [{"state": state, "actions": state.actions(role)} for state in states],
        "history": SyncRun.objects.filter(organization=organization).select_related("actor")[:HISTORY_SIZE],
    }
    context["can_sync"] = any(any(a.startswith("sync:") for a in card["actions"]) for card in context["cards"])
    return render(request, "integrations/settings.html", context)


@org_view("org.view", methods=("GET", "POST"))
def configure(request, slug: str, provider: str):
    """One settings URL per provider: OAuth providers get the shared OAuth page (readable by
    every member), credential providers the credentials form (members who may connect)."""
    provider_cls = registry.get_provider(provider)
    if provider_cls.oauth is not None and request.method == "GET":
        return oauth_views.settings_page(request, slug, provider)
    flows.require(request.membership, "integrations.connect")
    if provider_cls.oauth is not None:
        raise Http404("Connect OAuth integrations with the connect button")
    connection = Connection.objects.filter(organization=request.organization, provider=provider).first()
    stored = connection.get_credentials() if connection and connection.has_credentials else {}
    form = CredentialsForm(
        provider_cls,
        request.POST or None,
        has_stored_secret=any(stored.get(name) for name in provider_cls.secret_field_names()),
        initial_values={k: v for k, v in stored.items() if k not in provider_cls.secret_field_names()},
    )
    outcome = None
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action", "test")
        if action == "save":
            outcome = flows.save_credentials(request.membership, request, provider, form.values())
            if outcome.ok or not outcome.permanent:
                (messages.success if outcome.ok else messages.warning)(request, outcome.message)
                return redirect("settings_integrations", slug=slug)
        else:
            outcome = flows.test_connection(request.membership, request, provider, form.values())
        for field_name, message in outcome.field_errors.items():
            if field_name in form.fields:
                form.add_error(field_name, message)
    context = {
        "section": "integrations",
        "provider": provider_cls,
        "state": state_for(request.organization, provider),
        "form": form,
        "outcome": outcome,
        "disconnect_form": DisconnectForm(),
    }
    return render(request, "integrations/configure.html", context, status=200)


@org_view("integrations.connect", methods=("POST",))
def disconnect(request, slug: str, provider: str):
    provider_cls = registry.get_provider(provider)
    form = DisconnectForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose whether to keep or delete the synced data.")
        return redirect("integration_configure", slug=slug, provider=provider)
    purge = form.cleaned_data["data_choice"] == "purge"
    if provider_cls.oauth is not None:  # revoke at the provider first
        return oauth_views.disconnect(request, slug, provider, purge)
    try:
        deleted = flows.disconnect(request.membership, request, provider, purge=purge)
    except flows.NotConnected as error:
        messages.error(request, str(error))
        return redirect("settings_integrations", slug=slug)
    kept = f" {deleted} synced records deleted." if deleted else " Synced data kept."
    messages.success(request, f"{provider_cls.name} disconnected; its credentials are deleted.{kept}")
    return redirect("settings_integrations", slug=slug)


def _back(request, slug: str, next_url: str) -> str:
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts=None) and next_url.startswith(f"/{slug}/"):
        return next_url
    return reverse("settings_integrations", kwargs={"slug": slug})


@org_view("integrations.sync", methods=("POST",))
def sync(request, slug: str, provider: str):
    provider_cls = registry.get_provider(provider)
    form = SyncForm(request.POST)
    form.is_valid()
    back = _back(request, slug, form.cleaned_data.get("next", ""))
    try:
        run = flows.request_sync(
            request.organization,
            provider,
            mode=form.cleaned_data.get("mode") or None,
            trigger=SyncRun.Trigger.PERSON,
            membership=request.membership,
            request=request,
        )
    except flows.NotConnected:
        link = reverse("integration_configure", kwargs={"slug": slug, "provider": provider})
        if roles.has_capability(request.membership.role, "integrations.connect"):
            messages.error(
                request,
                format_html('{} is not connected yet. <a href="{}">Connect it</a> first.', provider_cls.name, link),
            )
        else:
            messages.error(
                request,
                f"{provider_cls.name} is not connected yet. Ask an Owner, Admin or Finance member to connect it.",
            )
        return redirect(back)
    except flows.SyncInProgress as busy:
        messages.info(request, f"A {provider_cls.name} sync is already running ({busy.run.percent}% done).")
        return redirect(back)
    except flows.InvalidMode as error:
        messages.error(request, str(error))
        return redirect(back)
    if request.htmx:
        return render(request, "integrations/_progress.html", {"run": run, "slug": slug})
    messages.success(request, f"{provider_cls.name} sync started. Progress shows below.")
    return redirect(back)


@org_view("integrations.sync", methods=("POST",))
def sync_all(request, slug: str):
    queued, running = flows.sync_all(request.membership, request)
    if not queued and not running:
        messages.info(request, "Nothing to sync: no integration is connected yet.")
    else:
        names = ", ".join(registry.PROVIDERS[run.provider].name for run in queued) or "none"
        extra = f" ({len(running)} already running)" if running else ""
        messages.success(request, f"Sync All started: {names}{extra}.")
    return redirect(_back(request, slug, request.POST.get("next", "")))


@org_view("org.view")
def run_progress(request, slug: str, run_id: int):
    run = get_object_or_404(SyncRun, organization=request.organization, pk=run_id)
    response = render(request, "integrations/_progress.html", {"run": run, "slug": slug})
    if not run.is_active:
        response["HX-Trigger"] = "sync-finished"
    return response


@csrf_exempt  # the provider signs the body instead; the signature is checked before anything is read
@require_POST
def webhook(request, provider: str):
    """/webhooks/<provider>/: the empty answers providers expect (200, or 401 for a bad signature)."""
    try:
        raw_body = request.body
    except RequestDataTooBig:
        return HttpResponse(status=413)
    try:
        webhooks.receive(provider, raw_body, request.headers)
    except webhooks.WebhookRefused as refused:
        return HttpResponse(status=refused.status)
    return HttpResponse(status=200)
