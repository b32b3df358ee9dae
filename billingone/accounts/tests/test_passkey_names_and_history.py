"""Passkeys: one name limit for add and rename (web and app), and login history that names
what failed: a removed passkey, a reused recovery code."""

from __future__ import annotations

import json

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.test import Client

from billingone.accounts.models import PASSKEY_NAME_MAX_LENGTH, LoginEvent
from billingone.accounts.passkeys import NAME_TOO_LONG, UNKNOWN_PASSKEY
from billingone.accounts.tests.test_api_headless import passkey_login, register_passkey, signed_in
from billingone.testing.personas import PASSWORD
from billingone.testing.webauthn import SoftAuthenticator

pytestmark = pytest.mark.usefixtures("fresh_cache")

TOO_LONG = "x" * (PASSKEY_NAME_MAX_LENGTH + 1)


@pytest.fixture
def web(personas) -> Client:
    client = Client()
    assert client.post("/accounts/login/", {"login": personas.alice.email, "password": PASSWORD}).status_code == 302
    assert client.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    return client


def test_rename_on_the_web_has_the_add_limit(personas, web):
    key = Authenticator.objects.create(
        user=personas.alice, type=Authenticator.Type.WEBAUTHN, data={"name": "Laptop", "credential": {}}
    )
    url = f"/accounts/2fa/webauthn/keys/{key.pk}/edit/"
    response = web.post(url, {"name": TOO_LONG})
    assert response.status_code == 200
    assert NAME_TOO_LONG in response.content.decode()
    key.refresh_from_db()
    assert key.data["name"] == "Laptop"

    assert web.post(url, {"name": "y" * PASSKEY_NAME_MAX_LENGTH}).status_code == 302
    key.refresh_from_db()
    assert key.data["name"] == "y" * PASSKEY_NAME_MAX_LENGTH


def test_adding_a_passkey_has_the_same_limit_on_the_web_and_in_the_app(personas, web, app_client):
    response = web.post("/accounts/2fa/webauthn/add/", {"name": TOO_LONG, "credential": "{}"})
    assert NAME_TOO_LONG in response.content.decode()

    app = signed_in(app_client, personas.alice)
    response, body = app.call("get", "/account/authenticators/webauthn?passwordless")
    credential = SoftAuthenticator().create(body["data"]["creation_options"])
    response, body = app.call("post", "/account/authenticators/webauthn", {"name": TOO_LONG, "credential": credential})
    assert response.status_code == 400
    assert body["errors"][0]["param"] == "name" and body["errors"][0]["message"] == NAME_TOO_LONG
    assert not Authenticator.objects.filter(user=personas.alice, type="webauthn").exists()


def test_a_removed_passkey_is_named_as_such_not_as_a_wrong_password(personas, app_client):
    app = signed_in(app_client, personas.alice)
    authenticator = SoftAuthenticator()
    passkey_id = register_passkey(app, authenticator)
    app.call("delete", "/account/authenticators/webauthn", {"authenticators": [passkey_id]})

    _, response, body = passkey_login(app_client, authenticator)
    assert response.status_code == 400
    assert body["errors"][0]["message"] == UNKNOWN_PASSKEY

    # On the web: the sign-in page says why, and Security's login history labels it.
    web = Client()
    options = web.get("/accounts/2fa/webauthn/login/", HTTP_ACCEPT="application/json").json()["request_options"]
    assertion = json.dumps(authenticator.get(options))
    response = web.post("/accounts/2fa/webauthn/login/", {"credential": assertion}, follow=True)
    html = response.content.decode()
    assert UNKNOWN_PASSKEY in html and "Incorrect code." not in html

    latest = LoginEvent.objects.filter(user=personas.alice).first()
    assert (latest.outcome, latest.method) == ("passkey_unknown", "passkey")
    security = Client()
    security.force_login(personas.alice, backend="django.contrib.auth.backends.ModelBackend")
    history = security.get("/org-a/settings/security/").content.decode()
    assert "Passkey removed or unknown" in history and "Wrong password" not in history


def test_a_reused_recovery_code_is_logged_as_a_recovery_code(personas, enable_totp):
    enable_totp(personas.alice)
    codes = RecoveryCodes(Authenticator.objects.get(user=personas.alice, type="recovery_codes"))
    code = codes.get_unused_codes()[0]
    for _attempt in range(2):
        client = Client()
        client.post("/accounts/login/", {"login": personas.alice.email, "password": PASSWORD})
        client.post("/accounts/2fa/authenticate/", {"code": code})
    client.post("/accounts/login/", {"login": personas.alice.email, "password": PASSWORD})
    client.post("/accounts/2fa/authenticate/", {"code": "12345678"})  # a recovery code that never was
    client.post("/accounts/login/", {"login": personas.alice.email, "password": PASSWORD})
    client.post("/accounts/2fa/authenticate/", {"code": "123456"})  # a wrong app code
    outcomes = list(LoginEvent.objects.filter(user=personas.alice).values_list("outcome", "method"))
    assert outcomes[:4] == [
        ("mfa_failure", "totp"),
        ("mfa_failure", "recovery_code"),
        ("code_reused", "recovery_code"),
        ("success", "recovery_code"),
    ]
