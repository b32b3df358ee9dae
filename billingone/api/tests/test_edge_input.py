"""Bad input at the API's edge: 404/422 in the error shape, never a 500 or an HTML page."""

from __future__ import annotations

import base64
import json

import pytest

from billingone.notifications.models import Notification

pytestmark = pytest.mark.django_db

BIG = "A" * 100_000


def error_of(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = response.json()
    assert set(body) == {"error"}
    return body["error"]


@pytest.fixture
def owner(client, personas, app_token):
    token = app_token(personas.alice)

    def call(method: str, path: str, body=None, **extra):
        if body is not None:
            extra.update(data=json.dumps(body), content_type="application/json")
        return getattr(client, method)(path, HTTP_X_SESSION_TOKEN=token, **extra)

    return call


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("patch", "/api/v1/orgs/org-a/members/²"),
        ("delete", "/api/v1/orgs/org-a/members/²"),
        ("delete", "/api/v1/orgs/org-a/invitations/²"),
        ("post", "/api/v1/orgs/org-a/invitations/²/resend"),
        ("get", "/api/v1/orgs/org-a/sync-runs/²"),
        ("get", "/api/v1/orgs/org-a/sync-runs/" + "9" * 40),
        ("delete", "/api/v1/me/push-devices/²"),
        ("delete", "/api/v1/me/push-devices/" + "9" * 40),
    ],
)
def test_ids_that_are_not_ascii_digits_are_404(owner, method, path):
    response = owner(method, path, {"role": "admin"} if method == "patch" else None)
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


@pytest.mark.parametrize("bad_id", ["²", "9" * 40, "1.5"])
def test_notifications_read_with_impossible_ids_is_422(owner, personas, bad_id):
    Notification.objects.create(user=personas.alice, event="sync.failed", title="t")
    response = owner("post", "/api/v1/me/notifications/read", {"ids": [bad_id]})
    assert response.status_code == 422 and error_of(response)["fields"] == {"ids": ["Not notification ids."]}


LISTS = [
    "/api/v1/orgs/org-a/members",
    "/api/v1/orgs/org-a/invitations",
    "/api/v1/orgs/org-a/sync-runs",
    "/api/v1/orgs/org-a/audit-log",
    "/api/v1/orgs/org-a/subscriptions",
    "/api/v1/orgs/org-a/invoices",
    "/api/v1/orgs/org-a/clients",
    "/api/v1/me/notifications",
    "/api/v1/me/login-history",
    "/api/v1/me/passkey-events",
]
HUGE_OFFSET = base64.urlsafe_b64encode(b"o:" + b"9" * 40).decode()


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("cursor", [HUGE_OFFSET, "9" * 400, base64.urlsafe_b64encode("o:²".encode()).decode()])
def test_oversized_or_odd_cursors_are_422_on_every_list(owner, path, cursor):
    response = owner("get", f"{path}?cursor={cursor}")
    assert response.status_code == 422 and error_of(response)["fields"] == {"cursor": ["Not a valid cursor."]}


@pytest.mark.parametrize("debug", [False, True])
def test_unknown_api_path_is_json_404_whatever_debug_says(owner, settings, debug):
    settings.DEBUG = debug
    response = owner("get", "/api/v1/no-such-thing")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    assert "URLconf" not in response.content.decode()


def test_unknown_api_path_without_a_token_is_json_too(client, settings):
    settings.DEBUG = True
    response = client.get("/api/v1/orgs/org-a/nope/deeper")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


def test_wrong_method_is_json_405_with_allow(owner):
    response = owner("delete", "/api/v1/me")
    error = error_of(response)
    assert response.status_code == 405 and error["code"] == "method_not_allowed"
    assert "GET" in response["Allow"] and "DELETE" in error["message"]


def test_oversized_body_is_json_413(owner, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = owner("patch", "/api/v1/me", {"name": "x" * 20_000})
    assert response.status_code == 413 and error_of(response)["code"] == "too_large"


def test_validation_messages_quote_a_short_prefix_only(owner):
    response = owner("post", "/api/v1/orgs/org-a/integrations/pax8/sync", {"mode": BIG})
    assert response.status_code == 422
    assert len(response.content) < 2_000
    assert "AAAA" in error_of(response)["message"]  # still says what was sent, cut short


def test_unknown_role_quotes_a_short_prefix(owner):
    response = owner("post", "/api/v1/orgs/org-a/invitations", {"email": "new@example.test", "role": "A" * 16})
    assert response.status_code in (409, 422) and len(response.content) < 1_000


@pytest.mark.parametrize("name", ["   ", "Al\x00ice", "\t\n"])
def test_names_of_spaces_or_nul_bytes_are_refused_with_a_field_error(owner, personas, name):
    response = owner("patch", "/api/v1/me", {"name": name})
    assert response.status_code == 422 and list(error_of(response)["fields"]) == ["name"]
    personas.alice.refresh_from_db()
    assert personas.alice.name == "Alice Owner"


@pytest.mark.parametrize("name", ["   ", "Ne\x00w"])
def test_invitation_names_of_spaces_or_nul_bytes_are_refused(owner, name):
    response = owner(
        "post", "/api/v1/orgs/org-a/invitations", {"email": "n@example.test", "role": "viewer", "name": name}
    )
    assert response.status_code == 422 and list(error_of(response)["fields"]) == ["name"]
