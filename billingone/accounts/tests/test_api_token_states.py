"""The app learns why a token does not work: a login step pending, the session revoked, or expired."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from django.utils import timezone

from billingone.accounts.tests.test_sessions import browser_login

pytestmark = pytest.mark.django_db


def error_of(response) -> dict:
    assert response["Content-Type"].startswith("application/json")
    return response.json()["error"]


@pytest.mark.parametrize("method", ["get", "post"])
def test_half_signed_in_token_is_401_naming_the_pending_step(personas, app_client, enable_totp, fresh_cache, method):
    enable_totp(personas.alice)
    app = app_client()
    response, body = app.login(personas.alice.email)
    assert response.status_code == 401 and app.token, body  # password accepted, TOTP step pending
    answer, _ = app.call(method, "/api/v1/orgs/org-a/sync-all" if method == "post" else "/api/v1/me")
    error = error_of(answer)
    assert answer.status_code == 401 and error["code"] == "not_authenticated"
    assert "mfa_authenticate" in error["message"]
    assert error["flows"] == [{"id": "mfa_authenticate", "is_pending": True}]


def test_revoked_token_is_401_session_revoked(personas, app_client, fresh_cache):
    phone = app_client()
    phone.login(personas.alice.email)
    mac = browser_login(personas.alice)
    tracked = UserSession.objects.get(user=personas.alice, session_key=phone.token)
    assert mac.post(f"/org-a/settings/sessions/{tracked.pk}/revoke/").status_code == 302
    for _ in range(2):  # the first answer and any retry say the same
        response, _ = phone.call("get", "/api/v1/me")
        assert response.status_code == 401 and error_of(response)["code"] == "session_revoked"


def test_idle_expired_token_is_401_session_expired(personas, app_client, fresh_cache, settings):
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 15 * 60
    phone = app_client()
    phone.login(personas.alice.email)
    assert phone.call("get", "/api/v1/me")[0].status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
        for _ in range(2):
            response, _ = phone.call("get", "/api/v1/me")
            assert response.status_code == 401 and error_of(response)["code"] == "session_expired"


def test_unknown_token_is_plain_not_authenticated(client, fresh_cache):
    response = client.get("/api/v1/me", HTTP_X_SESSION_TOKEN="never-issued")
    assert response.status_code == 401 and error_of(response)["code"] == "not_authenticated"
