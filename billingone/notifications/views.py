"""Notifications section of Settings, the in-app feed and the header bell."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from billingone.notifications import flows
from billingone.notifications.context_processors import request_unread_count
from billingone.notifications.events import CHANNELS
from billingone.notifications.forms import PolicyForm, PreferencesForm
from billingone.notifications.keys import vapid_public_key
from billingone.notifications.models import PushDevice
from billingone.notifications.preferences import applicable_events, preference_rows
from billingone.notifications.receivers import device_of
from billingone.orgs import roles
from billingone.orgs.tenancy import org_view

FEED_PAGE_SIZE = 50


def _preferences_form(request, data=None) -> PreferencesForm:
    role = request.membership.role
    events = applicable_events(role)
    return PreferencesForm(events, preference_rows(request.user, role, events), data)


@org_view("account.manage", methods=("GET", "POST"))
def settings_notifications(request, slug: str):
    form = _preferences_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        flows.save_preferences(request.user, form.rows(), role=request.membership.role, request=request)
        messages.success(request, "Notification preferences saved.")
        return redirect("settings_notifications", slug=slug)
    policy = flows.policy_for(request.organization)
    context = {
        "section": "notifications",
        "form": form,
        "channels": [c.value for c in CHANNELS],
        "policy": policy,
        "policy_form": PolicyForm(initial={"sync_failures_enabled": policy.sync_failures_enabled}),
        "can_set_policy": roles.has_capability(request.membership.role, "notifications.policy"),
        "devices": PushDevice.objects.filter(user=request.user),
        "vapid_public_key": vapid_public_key(settings.WEBPUSH_VAPID_PRIVATE_KEY),
        "browser_label": device_of(request.headers.get("User-Agent", ""))[1][:100],
    }
    return render(request, "notifications/settings.html", context)


@org_view("notifications.policy", methods=("POST",))
def settings_notifications_policy(request, slug: str):
    form = PolicyForm(request.POST)
    form.is_valid()  # a lone checkbox is always valid; unchecked means off
    enabled = bool(form.cleaned_data.get("sync_failures_enabled"))
    flows.set_sync_failure_notifications(request.organization, enabled, actor=request.user, request=request)
    messages.success(request, f"Sync-failure notifications turned {'on' if enabled else 'off'} for the organization.")
    return redirect("settings_notifications", slug=slug)


@org_view("account.manage", methods=("POST",))
def remove_device(request, slug: str, device_id: int):
    if not flows.remove_device(request.user, device_id, request=request):
        raise Http404("No such device")
    messages.success(request, "Device removed: it will get no more push notifications.")
    return redirect("settings_notifications", slug=slug)


@org_view("account.manage")
def feed(request, slug: str):
    items = list(flows.feed(request.user).select_related("organization")[:FEED_PAGE_SIZE])
    return render(
        request,
        "notifications/feed.html",
        {"items": items, "unread": request_unread_count(request), "page_size": FEED_PAGE_SIZE},
    )


@org_view("account.manage")
def badge(request, slug: str):
    return render(request, "notifications/partials/bell.html")


@org_view("account.manage", methods=("POST",))
def open_item(request, slug: str, item_id: int):
    item = flows.feed(request.user).filter(pk=item_id).first()
    if item is None:
        raise Http404("No such notification")
    flows.mark_read(request.user, ids=[item.pk])
    target = item.url if url_has_allowed_host_and_scheme(item.url, allowed_hosts=None) else ""
    return redirect(target or "notifications_feed", **({} if target else {"slug": slug}))


@org_view("account.manage", methods=("POST",))
def mark_read(request, slug: str, item_id: int):
    if not flows.feed(request.user).filter(pk=item_id).exists():
        raise Http404("No such notification")
    flows.mark_read(request.user, ids=[item_id])
    return _back_to_feed(request, slug)


@org_view("account.manage", methods=("POST",))
def mark_all_read(request, slug: str):
    count = flows.mark_read(request.user, everything=True)
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} as read.")
    return _back_to_feed(request, slug)


def _back_to_feed(request, slug: str) -> HttpResponse:
    if request.htmx:
        return render(request, "notifications/partials/bell.html")
    return redirect("notifications_feed", slug=slug)
