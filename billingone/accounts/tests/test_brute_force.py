"""Named rate-limit budgets: passwords, TOTP/recovery codes, passkey failures; trusted client IP."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from billingone.accounts.ratelimits import BUDGETS
from billingone.audit.models import AuditEvent
from billingone.testing.personas import PASSWORD
from billingone.testing.webauthn import SoftAuthenticator

pytestmark = pytest.mark.usefixtures("fresh_cache")


def login(email: str, password: str, **extra) -> str:
    response = Client(**extra).post("/accounts/login/", {"login": email, "password": password})
    html = response.content.decode()
    if "Too many failed login attempts" in html:
        assert response.status_code == 429 and response["Retry-After"]
        return "limited"
    return str(response.status_code)


def test_every_budget_has_a_reason_and_reaches_allauth():
    for name, budget in BUDGETS.items():
        assert len(budget.reason) > 20, name
        limits = settings.ACCOUNT_RATE_LIMITS if budget.app == "account" else settings.MFA_RATE_LIMITS
        assert limits[budget.action] == budget.rate


def test_sixth_password_attempt_is_refused_even_when_right_and_from_a_new_ip(personas):
    for _ in range(5):
        assert login(personas.bob.email, "wrong wrong wrong wrong") == "200"
    response = Client(REMOTE_ADDR="203.0.113.9").post(
        "/accounts/login/", {"login": personas.bob.email, "password": PASSWORD}
    )
    assert response.status_code == 429  # the form again, not a redirect into the app
    assert response["Retry-After"] == "300"  # the per-account window of 5 wrong passwords per 5 min
    assert "Too many failed login attempts" in response.content.decode()
    assert 'name="password"' in response.content.decode()
    refused = AuditEvent.objects.get(action="ratelimit.exceeded")
    assert refused.data == {"code": "too_many_login_attempts", "path": "/accounts/login/"}
    assert refused.ip == "203.0.113.9"


def test_spoofed_forwarded_for_shares_the_ip_bucket(personas, settings):
    settings.TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    emails = [f"nobody{i}@nowhere.test" for i in range(11)]
    statuses = [
        login(email, "wrong wrong wrong wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
        for i, email in enumerate(emails)
    ]
    assert statuses[:10] == ["200"] * 10
    assert statuses[10] == "limited"


def test_sixth_wrong_mfa_code_is_refused_then_clears_on_success(personas, app_client, enable_totp):
    from billingone.accounts.conftest import current_code

    secret = enable_totp(personas.bob)
    app = app_client()
    app.login(personas.bob.email)
    for _ in range(5):
        response, body = app.call("post", "/auth/2fa/authenticate", {"code": "000000"})
        assert body["errors"][0]["code"] == "incorrect_code"
    response, body = app.call("post", "/auth/2fa/authenticate", {"code": current_code(secret)})
    assert response.status_code == 400
    assert body["errors"][0]["code"] == "too_many_login_attempts"


def test_passwordless_sign_in_attempts_are_limited_per_ip(personas, app_client):
    stranger = SoftAuthenticator()
    stranger.create({"publicKey": {"user": {"id": "dW5rbm93bg"}, "challenge": "AA", "rp": {"id": "localhost"}}})
    statuses = []
    for _ in range(11):
        app = app_client()
        _, body = app.call("get", "/auth/webauthn/login")
        response, _ = app.call(
            "post", "/auth/webauthn/login", {"credential": stranger.get(body["data"]["request_options"])}
        )
        statuses.append(response.status_code)
    assert statuses == [400] * 10 + [429]  # allauth's webauthn_login budget (passkey_sign_in)


def test_passkey_failures_are_limited_per_ip(personas, app_client, settings):
    settings.MFA_RATE_LIMITS = {"webauthn_login": "100/m/ip"}  # isolate our passkey_failure budget
    stranger = SoftAuthenticator()
    stranger.create({"publicKey": {"user": {"id": "dW5rbm93bg"}, "challenge": "AA", "rp": {"id": "localhost"}}})
    codes = []
    for _ in range(11):
        app = app_client()
        _, body = app.call("get", "/auth/webauthn/login")
        _, body = app.call(
            "post", "/auth/webauthn/login", {"credential": stranger.get(body["data"]["request_options"])}
        )
        codes.append(body.get("errors", [{}])[0].get("code") or body)
    assert codes[:10] == ["incorrect_code"] * 10
    assert codes[10] == "too_many_login_attempts"
    assert AuditEvent.objects.filter(action="ratelimit.exceeded").count() == 1


def test_allauth_429_page_is_ours_logged_and_audited(personas, settings, caplog):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "reset_password": "2/m/ip"}
    client = Client()
    for _ in range(2):
        assert client.post("/accounts/password/reset/", {"email": personas.bob.email}).status_code == 302
    response = client.post("/accounts/password/reset/", {"email": personas.bob.email})
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "Too many attempts" in response.content.decode()
    assert "Rate limit exceeded" in caplog.text
    assert AuditEvent.objects.filter(action="ratelimit.exceeded", data__code="http_429").exists()
