"""Preferences: role defaults, the event × channel matrix, the org-wide switch, web and API."""

from __future__ import annotations

import pytest

from billingone.audit.models import AuditEvent
from billingone.notifications.conftest import fail_sync
from billingone.notifications.events import CHANNELS, EVENTS, Channel, get_event
from billingone.notifications.models import Delivery, NotificationPreference, PushDevice
from billingone.notifications.notify import notify
from billingone.orgs.roles import ROLES_BY_POWER, has_capability

ORG_EVENTS = [event for event in EVENTS if event.capability]
PREFS_URL = "/api/v1/me/notification-preferences"


def give_device(user):
    return PushDevice.objects.create(user=user, platform="apns", token="b2" * 32, name="phone")


def channels_delivered(user) -> set[str]:
    return set(Delivery.objects.filter(user=user).values_list("channel", flat=True))


def fire(event, organization, **context):
    return notify(event.key, organization, {"count": 3, "provider": "pax8", "provider_name": "Pax8", **context})


@pytest.mark.parametrize("event", ORG_EVENTS, ids=lambda e: e.key)
@pytest.mark.parametrize("role", ROLES_BY_POWER, ids=str)
def test_role_defaults_decide_who_gets_what(personas, sync_failures_on, event, role):
    user = personas.member(role)
    give_device(user)
    fire(event, personas.org_a)
    expected = set()
    if has_capability(role, event.capability):
        expected = {c.value for c in CHANNELS if event.default_for(role, c)}
    assert channels_delivered(user) == expected


@pytest.mark.parametrize("event", ORG_EVENTS, ids=lambda e: e.key)
@pytest.mark.parametrize(
    "chosen",
    [set(), {"email"}, {"in_app"}, {"push"}, {"email", "in_app", "push"}],
    ids=lambda chosen: "+".join(sorted(chosen)) or "none",
)
def test_saved_preferences_win_over_defaults(personas, sync_failures_on, event, chosen):
    user = personas.member("finance")  # Finance has every org event's capability
    give_device(user)
    NotificationPreference.objects.create(user=user, event=event.key, **{c.value: c.value in chosen for c in CHANNELS})
    fire(event, personas.org_a)
    assert channels_delivered(user) == chosen


def test_security_notices_are_emailed_even_when_switched_off(personas):
    user = personas.bob
    NotificationPreference.objects.create(user=user, event="security.new_device", email=False, in_app=False, push=False)
    notify("security.new_device", None, {"device": "Chrome on Linux", "ip": "203.0.113.9"}, users=[user])
    assert channels_delivered(user) == {"email"}


def test_factor_changes_add_the_in_app_item_but_leave_the_email_to_allauth(personas):
    notify(
        "security.factor_changed",
        None,
        {"factor": "Passkey", "change": "added", "what": "A passkey was added"},
        users=[personas.bob],
    )
    assert channels_delivered(personas.bob) == {"in_app"}


def test_org_switch_off_means_no_sync_failure_notifications(personas):
    fail_sync(personas.org_a)
    assert not Delivery.objects.exists()


def test_org_switch_on_notifies_and_does_not_leak_to_other_orgs(personas, sync_failures_on):
    fail_sync(personas.org_a)
    assert Delivery.objects.filter(organization=personas.org_a).exists()
    assert not Delivery.objects.filter(user=personas.charlie).exists()


def test_the_same_failure_is_notified_once(personas, sync_failures_on):
    fail_sync(personas.org_a, run_id=5)
    first = Delivery.objects.count()
    fail_sync(personas.org_a, run_id=5)
    assert Delivery.objects.count() == first
    fail_sync(personas.org_a, run_id=6)
    assert Delivery.objects.count() == 2 * first


def test_a_user_listed_twice_gets_one_delivery_per_channel(personas):
    notify("security.new_device", None, {"device": "Safari on iOS"}, users=[personas.bob, personas.bob])
    assert Delivery.objects.filter(user=personas.bob).count() == len(channels_delivered(personas.bob))


# --- web -----------------------------------------------------------------------------------


def test_settings_page_shows_the_matrix_for_my_role(personas, client_for):
    response = client_for(personas.bob).get("/org-a/settings/notifications/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "New sign-in from a new device" in page
    assert "Missed billing opportunities" not in page  # a Viewer can't act on billing
    assert "Set by an Owner or Admin" in page


def test_saving_preferences_on_the_web(personas, client_for):
    client = client_for(personas.member("finance"))
    data = {"billing.missed_found__email": "on", "integration.sync_failed__push": "on"}
    response = client.post("/org-a/settings/notifications/", data)
    assert response.status_code == 302
    saved = NotificationPreference.objects.get(user=personas.member("finance"), event="billing.missed_found")
    assert (saved.email, saved.in_app, saved.push) == (True, False, False)
    assert NotificationPreference.objects.get(event="security.new_device").email is True  # locked stays on
    assert AuditEvent.objects.filter(action="notifications.preferences_update").count() == 1


def test_admin_turns_the_org_switch_on_and_off(personas, client_for):
    client = client_for(personas.member("admin"))
    client.post("/org-a/settings/notifications/policy/", {"sync_failures_enabled": "on"})
    fail_sync(personas.org_a, run_id=1)
    assert Delivery.objects.exists()
    client.post("/org-a/settings/notifications/policy/", {})
    fail_sync(personas.org_a, run_id=2)
    assert not Delivery.objects.filter(dedupe_key__contains=":2").exists()
    events = AuditEvent.objects.filter(action="notifications.policy_update", organization=personas.org_a)
    assert [e.changes["sync_failures_enabled"]["after"] for e in events.order_by("seq")] == [True, False]


@pytest.mark.parametrize("role", ["finance", "engineer", "viewer"])
def test_insufficient_role_cannot_set_the_org_switch(personas, client_for, role):
    response = client_for(personas.member(role)).post(
        "/org-a/settings/notifications/policy/", {"sync_failures_enabled": "on"}
    )
    assert response.status_code == 403


def test_outsider_gets_404(personas, client_for):
    client = client_for(personas.charlie)
    assert client.get("/org-a/settings/notifications/").status_code == 404
    assert client.post("/org-a/settings/notifications/policy/", {"sync_failures_enabled": "on"}).status_code == 404


def test_policy_endpoint_refuses_get(personas, client_for):
    assert client_for(personas.alice).get("/org-a/settings/notifications/policy/").status_code == 405


# --- API -----------------------------------------------------------------------------------


def test_api_get_and_put_preferences(personas, client, app_token):
    user = personas.member("finance")
    headers = {"X-Session-Token": app_token(user)}
    body = client.get(PREFS_URL, headers=headers).json()
    rows = {row["event"]: row for row in body["events"]}
    assert set(rows) == {e.key for e in EVENTS}
    assert rows["billing.missed_found"]["push"] is True  # Finance default
    assert rows["security.new_device"]["locked"] == ["email"]
    rows["billing.missed_found"]["push"] = False
    response = client.put(PREFS_URL, {"events": list(rows.values())}, content_type="application/json", headers=headers)
    assert response.status_code == 200
    updated = {row["event"]: row for row in response.json()["events"]}
    assert updated["billing.missed_found"]["push"] is False
    assert NotificationPreference.objects.filter(user=user).count() == len(EVENTS)


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"event": "nope", "email": True, "in_app": True, "push": True}, "events.0.event"),
        ({"event": "security.new_device", "email": False, "in_app": True, "push": True}, "events.0.email"),
        ({"event": "billing.missed_found", "email": "maybe", "in_app": True, "push": True}, "events.0.email"),
        ({"event": "billing.missed_found", "email": True}, "events.0.in_app"),
    ],
)
def test_api_rejects_bad_preferences(personas, client_for, row, field):
    response = client_for(personas.alice).put(PREFS_URL, {"events": [row]}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"
    assert field in response.json()["error"]["fields"]
    assert not NotificationPreference.objects.exists()


def test_api_needs_authentication(client, db):
    assert client.get(PREFS_URL).status_code == 401
    assert client.get("/api/v1/me/notifications").status_code == 401


def test_every_event_has_its_templates():
    from django.template.loader import get_template

    for event in EVENTS:
        for suffix in ("txt", "html"):
            get_template(f"email/notifications/{event.template_name}.{suffix}")
    assert get_event("integration.sync_failed").org_switch
    assert Channel.EMAIL in CHANNELS
