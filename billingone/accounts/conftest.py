"""Fixtures for the account-security tests: an app client speaking allauth headless, TOTP helpers."""

from __future__ import annotations

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.test import Client

from billingone.accounts.adapter import MFAAdapter
from billingone.testing.personas import PASSWORD

APP = "/_allauth/app/v1"


class AppClient:
    """The mobile app: allauth headless for authentication, /api/v1 for the rest, one token."""

    def __init__(self, user_agent: str = "BillingOne/1.4 (iPhone; iOS 18.1; Scale/3.00)"):
        self.client = Client(HTTP_USER_AGENT=user_agent)
        self.token: str | None = None

    def _headers(self) -> dict:
        return {"HTTP_X_SESSION_TOKEN": self.token} if self.token else {}

    def call(self, method: str, path: str, data=None):
        url = path if path.startswith("/api/") else APP + path
        kwargs = {"content_type": "application/json"} if data is not None else {}
        response = getattr(self.client, method)(url, data, **kwargs, **self._headers())
        body = response.json() if response.get("Content-Type", "").startswith("application/json") else None
        token = ((body or {}).get("meta") or {}).get("session_token")
        if token:
            self.token = token
        return response, body

    def login(self, email: str, password: str = PASSWORD):
        return self.call("post", "/auth/login", {"email": email, "password": password})


@pytest.fixture
def app_client():
    return AppClient


@pytest.fixture
def fresh_cache(django_db_setup, django_db_blocker):
    """allauth's rate-limit buckets and used-TOTP markers live in the cache: start empty."""
    with django_db_blocker.unblock():
        cache.clear()
    yield cache
    with django_db_blocker.unblock():
        cache.clear()


def totp_secret(user) -> str:
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    return MFAAdapter().decrypt(authenticator.data["secret"])


def current_code(secret: str) -> str:
    return pyotp.TOTP(secret).now()


@pytest.fixture
def enable_totp():
    """enable_totp(user) -> secret: TOTP and recovery codes through allauth's own activation flow."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    def enable(user) -> str:
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
        RecoveryCodes.activate(user)
        return secret

    return enable


@pytest.fixture
def live_db(transactional_db, fresh_cache):
    """Real commits (allauth sends mail and signals on commit) and an empty cache."""
