"""Push device registration: APNs tokens and Web Push subscriptions, web and API."""

from __future__ import annotations

import json

import pytest

from billingone.audit.models import AuditEvent
from billingone.notifications.models import PushDevice

DEVICES = "/api/v1/me/push-devices"
P256DH = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
AUTH = "tBHItJI5svbpez7KI4CCXg"


def post(client, body):
    return client.post(DEVICES, body, content_type="application/json")


def test_register_apns_via_app_token(personas, client, app_token):
    headers = {"X-Session-Token": app_token(personas.bob)}
    response = client.post(
        DEVICES,
        {"platform": "apns", "token": "AB" * 32, "name": "Bob's iPhone"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 201
    assert response.json()["platform"] == "apns" and response.json()["name"] == "Bob's iPhone"
    device = PushDevice.objects.get(user=personas.bob)
    assert device.token == "ab" * 32
    listing = client.get(DEVICES, headers=headers).json()
    assert [item["id"] for item in listing["items"]] == [str(device.pk)]
    assert len(listing["vapid_public_key"]) > 80
    event = AuditEvent.objects.get(action="notifications.device_register")
    assert "ab" * 32 not in json.dumps(event.data) + event.target_label  # the token is not in the audit row


def test_register_webpush_subscription_json(personas, client_for):
    subscription = {"endpoint": "https://fcm.googleapis.com/fcm/send/abc", "keys": {"p256dh": P256DH, "auth": AUTH}}
    response = post(client_for(personas.bob), {"platform": "webpush", "token": json.dumps(subscription)})
    assert response.status_code == 201
    device = PushDevice.objects.get(user=personas.bob)
    assert (device.token, device.p256dh, device.auth) == (subscription["endpoint"], P256DH, AUTH)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"platform": "apns", "token": "not-hex"}, "token"),
        ({"platform": "apns", "token": "ab" * 10}, "token"),
        ({"platform": "gcm", "token": "ab" * 32}, "platform"),
        (
            {"platform": "webpush", "token": "http://fcm.googleapis.com/x", "keys": {"p256dh": P256DH, "auth": AUTH}},
            "token",
        ),
        (
            {
                "platform": "webpush",
                "token": "https://169.254.169.254/latest",
                "keys": {"p256dh": P256DH, "auth": AUTH},
            },
            "token",
        ),
        (
            {
                "platform": "webpush",
                "token": "https://evil.example/fcm.googleapis.com",
                "keys": {"p256dh": P256DH, "auth": AUTH},
            },
            "token",
        ),
        *[
            ({"platform": "webpush", "token": endpoint, "keys": {"p256dh": P256DH, "auth": AUTH}}, "token")
            for endpoint in (
                "https://fcm.googleapis.com:8443/fcm/send/abc",  # another service of an allowed host
                "https://fcm.googleapis.com:22/x",
                "https://fcm.googleapis.com:99999/x",
                "https://web.push.apple.com:80/x",
            )
        ],
        ({"platform": "webpush", "token": "https://fcm.googleapis.com/x"}, "keys"),
        (
            {"platform": "webpush", "token": "https://fcm.googleapis.com/x", "keys": {"p256dh": "AAAA", "auth": AUTH}},
            "keys",
        ),
        ({"platform": "webpush", "token": "{not json"}, "token"),
        ({"platform": "apns"}, "token"),
    ],
)
def test_bad_device_input_is_422(personas, client_for, body, field):
    response = post(client_for(personas.bob), body)
    assert response.status_code == 422, response.content
    assert field in response.json()["error"]["fields"]
    assert not PushDevice.objects.exists()


def test_re_registering_a_token_moves_it_to_the_new_user(personas, client_for):
    post(client_for(personas.bob), {"platform": "apns", "token": "cd" * 32})
    post(client_for(personas.alice), {"platform": "apns", "token": "CD" * 32, "name": "shared iPad"})
    device = PushDevice.objects.get()
    assert device.user == personas.alice and device.name == "shared iPad"


def test_delete_own_device_only(personas, client_for):
    device_id = post(client_for(personas.bob), {"platform": "apns", "token": "ef" * 32}).json()["id"]
    assert client_for(personas.alice).delete(f"{DEVICES}/{device_id}").status_code == 404
    assert client_for(personas.alice).delete(f"{DEVICES}/not-a-number").status_code == 404
    assert client_for(personas.bob).delete(f"{DEVICES}/{device_id}").status_code == 204
    assert not PushDevice.objects.exists()
    assert AuditEvent.objects.filter(action="notifications.device_remove").count() == 1


def test_web_remove_device(personas, client_for):
    device = PushDevice.objects.create(user=personas.bob, platform="apns", token="12" * 32, name="Old phone")
    page = client_for(personas.bob).get("/org-a/settings/notifications/").content.decode()
    assert "Old phone" in page
    assert (
        client_for(personas.alice).post(f"/org-a/settings/notifications/devices/{device.pk}/remove/").status_code == 404
    )
    assert (
        client_for(personas.charlie).post(f"/org-a/settings/notifications/devices/{device.pk}/remove/").status_code
        == 404
    )
    assert (
        client_for(personas.bob).post(f"/org-a/settings/notifications/devices/{device.pk}/remove/").status_code == 302
    )
    assert not PushDevice.objects.exists()


def test_settings_page_offers_browser_push_with_the_vapid_key(personas, client_for, settings):
    from billingone.notifications.keys import vapid_public_key

    page = (
        client_for(personas.bob)
        .get(
            "/org-a/settings/notifications/",
            HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        )
        .content.decode()
    )
    assert f'data-vapid-key="{vapid_public_key(settings.WEBPUSH_VAPID_PRIVATE_KEY)}"' in page
    assert 'data-device-name="Firefox on Linux"' in page
    assert "js/push-sw.js" in page and "js/notifications.js" in page


def test_browser_registration_needs_the_csrf_token(personas):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.bob, backend="django.contrib.auth.backends.ModelBackend")
    subscription = {
        "endpoint": "https://updates.push.services.mozilla.com/wpush/v2/x",
        "keys": {"p256dh": P256DH, "auth": AUTH},
    }
    body = {"platform": "webpush", "token": json.dumps(subscription), "name": "Firefox on Linux"}
    assert post(client, body).status_code == 403
    page = client.get("/org-a/settings/notifications/")
    token = page.cookies["csrftoken"].value
    response = client.post(DEVICES, body, content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 201
    assert PushDevice.objects.get().name == "Firefox on Linux"


def test_outsider_cannot_reach_device_pages_of_another_org(personas, client_for):
    device = PushDevice.objects.create(user=personas.charlie, platform="apns", token="34" * 32)
    # Charlie's own device, but through Org A's URL: the organization gate answers first.
    response = client_for(personas.charlie).post(f"/org-a/settings/notifications/devices/{device.pk}/remove/")
    assert response.status_code == 404
    assert PushDevice.objects.filter(pk=device.pk).exists()
