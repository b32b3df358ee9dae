"""/api/v1/me*: profile, avatar, web-only changes, login history and passkey events."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from PIL import Image

from billingone.accounts.history import login_event, passkey_event
from billingone.accounts.models import LoginEvent, PasskeyEvent


@pytest.fixture
def app(personas, app_token):
    token = app_token(personas.bob)

    def call(method: str, path: str, data=None, **extra):
        client = Client()
        if data is not None and "content_type" not in extra and method != "put_multipart":
            extra["content_type"] = "application/json"
        return getattr(client, method)(path, data, HTTP_X_SESSION_TOKEN=token, **extra)

    return call


def png_bytes(size=(64, 64)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "green").save(out, format="PNG")
    return out.getvalue()


def multipart_put(app, data: bytes, name: str = "a.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    body = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile(name, data)})
    return app("put", "/api/v1/me/avatar", body, content_type=MULTIPART_CONTENT)


def test_me_requires_a_token(db):
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_me_shows_profile_security_and_links(personas, app):
    body = app("get", "/api/v1/me").json()
    assert body["email"] == "bob@org-a.test"
    assert body["mfa"] == {"totp": False, "recovery_codes_left": 0, "passkeys": 0}
    assert body["organizations"] == [{"slug": "org-a", "name": "Org A Networks", "role": "viewer"}]
    assert body["links"]["mfa_enroll"].endswith("/accounts/2fa/totp/activate/")


def test_patch_name_and_web_only_changes(personas, app):
    assert app("patch", "/api/v1/me", {"name": "Bobby"}).json()["name"] == "Bobby"
    for payload in ({"email": "new@x.test"}, {"password": "another long passphrase"}):
        response = app("patch", "/api/v1/me", payload)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "web_only"
        assert response.json()["error"]["web_url"].startswith("http")
    personas.bob.refresh_from_db()
    assert personas.bob.email == "bob@org-a.test"
    response = app("patch", "/api/v1/me", {"name": "x" * 151})
    assert response.status_code == 422 and "name" in response.json()["error"]["fields"]


def test_avatar_put_and_delete(personas, app, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = multipart_put(app, png_bytes())
    assert response.status_code == 200, response.content
    assert response.json()["avatar_url"].endswith(".png")
    response = app("delete", "/api/v1/me/avatar")
    assert response.status_code == 200 and response.json()["avatar_url"] is None


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"<svg/>", "SVG"), (b"\x89PNG\r\n\x1a\nxx", "damaged"), (b"\xff\xd8\xff" + b"\x00" * (1024 * 1024), "too large")],
)
def test_bad_avatar_is_422_with_field_message(personas, app, data, message):
    response = multipart_put(app, data)
    assert response.status_code == 422
    assert message in response.json()["error"]["fields"]["file"][0]
    personas.bob.refresh_from_db()
    assert not personas.bob.avatar


def test_login_history_is_own_paginated_and_newest_first(personas, app):
    for outcome in ("failure", "success"):
        login_event(None, personas.bob, outcome=outcome, method="password")
    login_event(None, personas.alice, outcome="success", method="password")  # someone else's
    body = app("get", "/api/v1/me/login-history?limit=2").json()
    # the app_token sign-in itself is the oldest entry
    assert body["count"] == LoginEvent.objects.filter(user=personas.bob).count() == 3
    assert [item["outcome"] for item in body["items"]] == ["success", "failure"]
    assert body["next"]
    rest = app("get", f"/api/v1/me/login-history?limit=2&cursor={body['next']}").json()
    assert [(item["outcome"], item["device"]) for item in rest["items"]] == [("success", "Unknown device")]
    assert set(rest["items"][0]) == {"at", "outcome", "method", "ip", "location", "device"}
    assert app("get", "/api/v1/me/login-history?limit=500").status_code == 422
    assert app("get", "/api/v1/me/login-history?cursor=%%%").status_code == 422


def test_passkey_events_are_own(personas, app):
    passkey_event(None, personas.bob, None, event=PasskeyEvent.Kind.REGISTERED, name="Phone")
    passkey_event(None, personas.alice, None, event=PasskeyEvent.Kind.REGISTERED, name="Alice key")
    items = app("get", "/api/v1/me/passkey-events").json()["items"]
    assert [(i["event"], i["passkey_name"]) for i in items] == [("registered", "Phone")]
