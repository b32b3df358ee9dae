"""/api/v1: auth, the one error shape, the organization endpoint, OpenAPI."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"])
    return body["error"]


def test_no_token_is_401(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401 and error(response)["code"] == "not_authenticated"


def test_bad_token_is_401(client):
    response = client.get("/api/v1/me", HTTP_X_SESSION_TOKEN="not-a-real-token")
    assert response.status_code == 401 and error(response)["code"] == "not_authenticated"


def test_deactivated_user_token_is_401(client, personas, app_token):
    token = app_token(personas.bob)
    personas.bob.is_active = False
    personas.bob.save()
    assert client.get("/api/v1/me", HTTP_X_SESSION_TOKEN=token).status_code == 401


def test_browser_session_works_and_needs_csrf_for_changes(personas):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.bob, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/api/v1/me").status_code == 200
    response = client.patch("/api/v1/me", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403 and error(response)["code"] == "forbidden"


def test_organization(client, personas, app_token):
    response = client.get("/api/v1/orgs/org-a", HTTP_X_SESSION_TOKEN=app_token(personas.member("finance")))
    assert response.json() == {
        "name": "Org A Networks",
        "slug": "org-a",
        "mfa_required": False,
        "session_timeout_minutes": None,
        "branding": {"logo_url": None, "primary_color": "#2457D6", "accent_color": "#0E9F6E"},
        "role": "finance",
        "sync_failure_notifications": False,
    }


def test_organization_shows_the_sync_failure_switch(client, personas, app_token):
    from billingone.notifications.flows import set_sync_failure_notifications

    set_sync_failure_notifications(personas.org_a, True, actor=personas.alice)
    response = client.get("/api/v1/orgs/org-a", HTTP_X_SESSION_TOKEN=app_token(personas.bob))
    assert response.json()["sync_failure_notifications"] is True


def test_organization_of_another_tenant_is_404(client, personas, app_token):
    response = client.get("/api/v1/orgs/org-b", HTTP_X_SESSION_TOKEN=app_token(personas.alice))
    assert response.status_code == 404 and error(response)["code"] == "not_found"


def test_unknown_organization_is_404_too(client, personas, app_token):
    response = client.get("/api/v1/orgs/no-such-org", HTTP_X_SESSION_TOKEN=app_token(personas.alice))
    assert response.status_code == 404 and error(response)["code"] == "not_found"


def test_patch_organization_is_web_only(client, personas, app_token):
    response = client.patch(
        "/api/v1/orgs/org-a",
        {"name": "x"},
        content_type="application/json",
        HTTP_X_SESSION_TOKEN=app_token(personas.alice),
    )
    body = error(response)
    assert response.status_code == 403 and body["code"] == "web_only"
    assert body["web_url"] == "http://testserver/org-a/settings/organization/"


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '"text"', ""])
def test_malformed_bodies_are_4xx_not_500(client, personas, app_token, body):
    token = app_token(personas.bob)
    response = client.generic("PATCH", "/api/v1/me", body, content_type="application/json", HTTP_X_SESSION_TOKEN=token)
    assert 400 <= response.status_code < 500
    assert error(response)["code"] in {"bad_request", "invalid"}


def test_unknown_api_path_is_json_404(client, settings):
    settings.DEBUG = False
    response = client.get("/api/v1/no/such/thing")
    assert response.status_code == 404 and error(response)["code"] == "not_found"


def test_openapi_schema_and_docs(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "BillingOne API"
    assert "/api/v1/me" in schema["paths"] and "/api/v1/orgs/{slug}" in schema["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_allauth_headless_spec_is_served(client):
    response = client.get("/_allauth/openapi.json")
    assert response.status_code == 200 and "/_allauth/app/v1/auth/login" in response.json()["paths"]
