"""Organization policies enforced by accounts: idle/absolute session timeouts and required MFA."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from django.test import Client
from django.utils import timezone

from billingone.accounts.tests.test_sessions import browser_login
from billingone.testing.personas import PASSWORD

PAGE = "/org-a/settings/profile/"

pytestmark = pytest.mark.usefixtures("fresh_cache")


def later(minutes: float):
    return time_machine.travel(timezone.now() + timedelta(minutes=minutes), tick=False)


def app_login(user) -> str:
    response = Client().post(
        "/_allauth/app/v1/auth/login", {"email": user.email, "password": PASSWORD}, content_type="application/json"
    )
    return response.json()["meta"]["session_token"]


def api_me(token: str) -> int:
    return Client().get("/api/v1/me", HTTP_X_SESSION_TOKEN=token).status_code


@pytest.fixture
def fifteen_minutes(personas):
    personas.org_a.session_timeout_minutes = 15
    personas.org_a.save()
    return personas


def test_web_session_idle_past_the_org_timeout_is_signed_out(fifteen_minutes):
    client = browser_login(fifteen_minutes.bob)
    with later(14):
        assert client.get(PAGE).status_code == 200  # activity resets the idle clock
    with later(14 + 14):
        assert client.get(PAGE).status_code == 200
    with later(14 + 14 + 16):
        response = client.get(PAGE)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        assert not UserSession.objects.filter(user=fifteen_minutes.bob).exists()
        follow = client.get(response["Location"])
        assert "signed out after a period of inactivity" in follow.content.decode()


def test_site_default_idle_timeout_applies_without_org_policy(personas, settings):
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 30 * 60
    client = browser_login(personas.bob)
    with later(29):
        assert client.get(PAGE).status_code == 200
    with later(29 + 31):
        assert client.get(PAGE).status_code == 302


def test_absolute_timeout_ends_even_an_active_session(personas, settings):
    settings.SESSION_COOKIE_AGE = 3600
    client = browser_login(personas.bob)
    for minutes in (20, 40, 59):
        with later(minutes):
            assert client.get(PAGE).status_code == 200
    with later(61):
        assert client.get(PAGE).status_code == 302


def test_strictest_policy_of_the_users_organizations_wins(fifteen_minutes):
    from billingone.accounts import policy

    fifteen_minutes.org_b.session_timeout_minutes = 5
    fifteen_minutes.org_b.save()
    assert policy.idle_timeout(fifteen_minutes.bob) == timedelta(minutes=15)  # Bob is not in Org B
    assert policy.idle_timeout(fifteen_minutes.charlie) == timedelta(minutes=5)


def test_app_token_idle_past_the_timeout_is_revoked(fifteen_minutes):
    token = app_login(fifteen_minutes.bob)
    with later(10):
        assert api_me(token) == 200
    with later(20):
        assert api_me(token) == 200  # 10 idle minutes since the last call
    with later(36):
        assert api_me(token) == 401
    assert not UserSession.objects.filter(user=fifteen_minutes.bob).exists()
    # allauth headless agrees: the token no longer exists.
    response = Client().get("/_allauth/app/v1/auth/session", HTTP_X_SESSION_TOKEN=token)
    assert response.status_code in (401, 410)


def test_app_token_idle_is_enforced_on_allauth_headless_too(fifteen_minutes):
    token = app_login(fifteen_minutes.bob)
    with later(16):
        response = Client().get("/_allauth/app/v1/auth/session", HTTP_X_SESSION_TOKEN=token)
        assert response.status_code in (401, 410)


def test_required_mfa_sends_members_to_enrolment_and_blocks_everything_else(personas, enable_totp):
    personas.org_a.require_mfa = True
    personas.org_a.save()
    client = browser_login(personas.bob)
    for path in (PAGE, "/org-a/", "/org-a/settings/sessions/", "/orgs/new/", "/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/accounts/security/enrol/", path
    enrol = client.get("/accounts/security/enrol/")
    assert enrol.status_code == 200
    assert "Org A Networks" in enrol.content.decode()
    assert client.get("/accounts/2fa/totp/activate/").status_code in (200, 302)
    response = client.get("/api/v1/me")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "mfa_enrollment_required"

    enable_totp(personas.bob)
    assert client.get(PAGE).status_code == 200
    assert client.get("/accounts/security/enrol/").status_code == 302


def test_required_mfa_does_not_touch_members_of_other_organizations(personas):
    personas.org_a.require_mfa = True
    personas.org_a.save()
    client = browser_login(personas.charlie)
    assert client.get("/org-b/settings/profile/").status_code == 200


def test_idle_browser_session_calling_the_api_gets_401_json(fifteen_minutes):
    client = browser_login(fifteen_minutes.bob)
    assert client.get("/api/v1/me").status_code == 200
    with later(16):
        response = client.get("/api/v1/me")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"
