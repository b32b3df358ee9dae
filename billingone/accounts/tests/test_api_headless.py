"""The app's security flows through allauth headless, with a pure-Python authenticator."""

from __future__ import annotations

import pyotp
import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core import mail
from django.utils import timezone

from billingone.accounts.models import LoginEvent, PasskeyEvent
from billingone.audit.models import AuditEvent
from billingone.testing.personas import PASSWORD, make_personas
from billingone.testing.webauthn import SoftAuthenticator

pytestmark = pytest.mark.usefixtures("fresh_cache")


def signed_in(app_client, user, *, reauthenticated: bool = True):
    """An app signed in as `user`; factor changes need a fresh re-authentication (≤ 300 s)."""
    app = app_client()
    response, _ = app.login(user.email)
    assert response.status_code == 200
    if reauthenticated:
        response, body = app.call("post", "/auth/reauthenticate", {"password": PASSWORD})
        assert response.status_code == 200, body
    return app


def register_passkey(app, authenticator: SoftAuthenticator, name: str = "iPhone") -> int:
    response, body = app.call("get", "/account/authenticators/webauthn?passwordless")
    assert response.status_code == 200, body
    credential = authenticator.create(body["data"]["creation_options"])
    response, body = app.call("post", "/account/authenticators/webauthn", {"name": name, "credential": credential})
    assert response.status_code == 200, body
    return body["data"]["id"]


def passkey_login(app_client, authenticator: SoftAuthenticator, credential=None):
    app = app_client()
    response, body = app.call("get", "/auth/webauthn/login")
    assert response.status_code == 200, body
    assertion = authenticator.get(body["data"]["request_options"], credential=credential)
    response, body = app.call("post", "/auth/webauthn/login", {"credential": assertion})
    return app, response, body


def test_totp_enrolment_then_login_with_code(live_db, app_client):
    # live_db: real commits, as allauth sends its notification on commit, inside the request
    personas = make_personas()
    app = signed_in(app_client, personas.alice)
    response, body = app.call("get", "/account/authenticators/totp")
    assert response.status_code == 404  # not active yet: allauth answers with a fresh secret
    secret = body["meta"]["secret"]

    response, body = app.call("post", "/account/authenticators/totp", {"code": "000000"})
    assert response.status_code == 400
    assert not Authenticator.objects.filter(user=personas.alice, type="totp").exists()

    response, body = app.call("post", "/account/authenticators/totp", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200, body
    me = app.call("get", "/api/v1/me")[1]
    assert me["mfa"] == {"totp": True, "recovery_codes_left": 10, "passkeys": 0}
    assert [m.subject for m in mail.outbox] == ["[BillingOne] Authenticator App Activated"]

    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=60)):
        second = app_client()
        response, body = second.login(personas.alice.email)
        assert response.status_code == 401
        assert body["data"]["flows"][-1]["id"] == "mfa_authenticate" or any(
            flow.get("is_pending") for flow in body["data"]["flows"]
        )
        code = pyotp.TOTP(secret).now()
        response, body = second.call("post", "/auth/2fa/authenticate", {"code": code})
        assert response.status_code == 200, body
        assert second.call("get", "/api/v1/me")[0].status_code == 200

        # The same code again, in a third sign-in: refused (single use), and logged.
        third = app_client()
        third.login(personas.alice.email)
        response, body = third.call("post", "/auth/2fa/authenticate", {"code": code})
        assert response.status_code == 400
        assert body["errors"][0]["code"] == "incorrect_code"

    history = app.call("get", "/api/v1/me/login-history")[1]["items"]
    assert [(e["outcome"], e["method"]) for e in history[:2]] == [("mfa_failure", "totp"), ("success", "totp")]
    assert history[1]["device"] == "BillingOne app on iOS"


def test_recovery_code_is_single_use(personas, app_client, enable_totp):
    enable_totp(personas.alice)
    code = RecoveryCodes(Authenticator.objects.get(user=personas.alice, type="recovery_codes")).get_unused_codes()[0]
    app = app_client()
    app.login(personas.alice.email)
    response, body = app.call("post", "/auth/2fa/authenticate", {"code": code})
    assert response.status_code == 200, body
    assert app.call("get", "/api/v1/me")[1]["mfa"]["recovery_codes_left"] == 9

    again = app_client()
    again.login(personas.alice.email)
    response, body = again.call("post", "/auth/2fa/authenticate", {"code": code})
    assert response.status_code == 400
    outcomes = list(LoginEvent.objects.filter(user=personas.alice).values_list("outcome", "method"))
    assert outcomes[:2] == [("code_reused", "recovery_code"), ("success", "recovery_code")]


def test_passkey_register_rename_sign_in_remove(personas, app_client):
    app = signed_in(app_client, personas.alice)
    authenticator = SoftAuthenticator()
    passkey_id = register_passkey(app, authenticator, "Alice's iPhone")
    assert app.call("get", "/api/v1/me")[1]["mfa"]["passkeys"] == 1

    response, body = app.call("put", "/account/authenticators/webauthn", {"id": passkey_id, "name": "Work phone"})
    assert response.status_code == 200, body

    signed, response, body = passkey_login(app_client, authenticator)
    assert response.status_code == 200, body
    assert signed.call("get", "/api/v1/me")[1]["email"] == personas.alice.email

    response, body = app.call("delete", "/account/authenticators/webauthn", {"authenticators": [passkey_id]})
    assert response.status_code == 200, body
    _, response, body = passkey_login(app_client, authenticator)
    assert response.status_code == 400  # a removed credential no longer signs in

    events = app.call("get", "/api/v1/me/passkey-events")[1]["items"]
    assert [(e["event"], e["passkey_name"]) for e in reversed(events)] == [
        ("registered", "Alice's iPhone"),
        ("renamed", "Work phone"),
        ("used", "Work phone"),
        ("removed", "Work phone"),
        ("failed", ""),  # the removed credential's attempt: logged, with no passkey left to name
    ]
    assert events[-1]["device"] == "BillingOne app on iOS"
    history = list(LoginEvent.objects.filter(user=personas.alice).values_list("outcome", "method"))
    assert ("success", "passkey") in history
    subjects = [m.subject for m in mail.outbox]
    assert any("Passkey renamed" in s for s in subjects)


def test_passkey_from_another_relying_party_is_refused(personas, app_client):
    app = signed_in(app_client, personas.alice)
    response, body = app.call("get", "/account/authenticators/webauthn?passwordless")
    assert body["data"]["creation_options"]["publicKey"]["rp"]["id"] == "localhost"
    credential = SoftAuthenticator().create(body["data"]["creation_options"], rp_id="evil.example")
    response, body = app.call("post", "/account/authenticators/webauthn", {"name": "Evil", "credential": credential})
    assert response.status_code == 400
    assert not Authenticator.objects.filter(user=personas.alice, type="webauthn").exists()

    # A real passkey, but the assertion is made for another relying party: refused and logged.
    authenticator = SoftAuthenticator()
    register_passkey(app, authenticator)
    stolen = authenticator.credentials[-1]
    stolen.rp_id = "evil.example"  # signs for evil.example's RP ID hash
    _, response, body = passkey_login(app_client, authenticator, credential=stolen)
    assert response.status_code == 400
    failed = PasskeyEvent.objects.get(user=personas.alice, event="failed")
    assert failed.passkey_name == "iPhone"


def test_spoofed_host_does_not_change_the_relying_party(personas, app_client):
    app = signed_in(app_client, personas.alice)
    response = app.client.get(
        "/_allauth/app/v1/account/authenticators/webauthn?passwordless",
        HTTP_X_SESSION_TOKEN=app.token,
        HTTP_HOST="127.0.0.1",
    )
    assert response.json()["data"]["creation_options"]["publicKey"]["rp"]["id"] == "localhost"


def test_app_sessions_list_and_revoke(personas, app_client):
    phone = signed_in(app_client, personas.alice)
    tablet = signed_in(app_client, personas.alice)
    response, body = phone.call("get", "/auth/sessions")
    assert len(body["data"]) == 2
    other = next(s["id"] for s in body["data"] if not s["is_current"])
    response, body = phone.call("delete", "/auth/sessions", {"sessions": [other]})
    assert response.status_code == 200
    assert tablet.call("get", "/api/v1/me")[0].status_code == 401
    assert phone.call("get", "/api/v1/me")[0].status_code == 200


def test_required_mfa_blocks_the_api_until_a_passkey_is_added(personas, app_client):
    personas.org_a.require_mfa = True
    personas.org_a.save()
    app = signed_in(app_client, personas.bob)
    response, body = app.call("get", "/api/v1/me")
    assert response.status_code == 403
    assert body["error"]["code"] == "mfa_enrollment_required"
    assert body["error"]["web_url"].endswith("/accounts/security/enrol/")
    assert app.call("get", "/api/v1/orgs/org-a")[0].status_code == 403

    register_passkey(app, SoftAuthenticator())  # allauth headless stays open for enrolment
    assert app.call("get", "/api/v1/me")[0].status_code == 200


def test_replayed_assertion_and_missing_user_verification_are_refused(personas, app_client):
    app = signed_in(app_client, personas.alice)
    authenticator = SoftAuthenticator()
    register_passkey(app, authenticator)

    first = app_client()
    _, body = first.call("get", "/auth/webauthn/login")
    options = body["data"]["request_options"]
    assert len(options["publicKey"]["challenge"]) >= 22  # ≥ 128 bits, base64url
    assertion = authenticator.get(options)
    assert first.call("post", "/auth/webauthn/login", {"credential": assertion})[0].status_code == 200
    replay = app_client()
    replay.call("get", "/auth/webauthn/login")  # a fresh challenge: the old assertion does not match it
    assert replay.call("post", "/auth/webauthn/login", {"credential": assertion})[0].status_code == 400

    authenticator.user_verified = False  # passwordless sign-in requires user verification
    _, response, _ = passkey_login(app_client, authenticator)
    assert response.status_code == 400


def test_factor_changes_send_exactly_one_email_each(live_db, app_client, mailoutbox):
    personas = make_personas()
    app = signed_in(app_client, personas.alice)
    passkey_id = register_passkey(app, SoftAuthenticator(), "Laptop")
    assert [m.subject for m in mailoutbox] == ["[BillingOne] Security Key Added"]
    response, body = app.call("post", "/account/authenticators/recovery-codes", {})
    assert response.status_code == 200, body
    assert mailoutbox[-1].subject == "[BillingOne] New Recovery Codes Generated"
    regenerated = AuditEvent.objects.filter(action="mfa.recovery_codes_generate", actor=personas.alice)
    assert regenerated.filter(organization=None).count() == 2  # her own trail
    assert regenerated.filter(organization=personas.org_a).count() == 2  # and her organization's
    app.call("delete", "/account/authenticators/webauthn", {"authenticators": [passkey_id]})
    assert [m.subject for m in mailoutbox][2:] == ["[BillingOne] Security Key Removed"]
    assert len(mailoutbox) == 3
    assert "IP address:" in mailoutbox[0].body and "Settings → Security" in mailoutbox[0].body
