"""Security section and the allauth MFA pages behind it (web): TOTP, recovery codes, passkeys."""

from __future__ import annotations

import re

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.db import connection
from django.test import Client

from billingone.accounts.history import login_event
from billingone.accounts.tests.test_sessions import browser_login
from billingone.audit.models import AuditEvent
from billingone.testing.personas import PASSWORD, make_personas

URL = "/org-a/settings/security/"
pytestmark = pytest.mark.usefixtures("fresh_cache")


def reauthenticated(client) -> None:
    response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302


def activate_totp(client) -> str:
    reauthenticated(client)
    html = client.get("/accounts/2fa/totp/activate/").content.decode()
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"|value="([A-Z2-7]{32})"', html)
    secret = next(group for group in secret.groups() if group)
    response = client.post("/accounts/2fa/totp/activate/", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/recovery-codes/"
    return secret


def test_outsider_gets_404(personas, client_for):
    assert client_for(personas.charlie).get(URL).status_code == 404


def test_every_role_sees_its_own_security_page(personas, client_for):
    # account.manage belongs to every role, so no role gets 403 here.
    for member in personas.members.values():
        assert client_for(member).get(URL).status_code == 200


def test_page_shows_status_passkeys_recovery_and_history(personas, client_for, enable_totp):
    login_event(None, personas.bob, outcome="failure", method="password")
    html = client_for(personas.bob).get(URL).content.decode()
    assert "Authenticator app (TOTP)" in html and ">Off<" in html
    assert "Wrong password" in html
    enable_totp(personas.bob)
    html = client_for(personas.bob).get(URL).content.decode()
    assert ">On<" in html and "10 of 10 left" in html and "recovery-low" not in html


def test_low_recovery_codes_are_warned_about(personas, client_for, enable_totp):
    enable_totp(personas.bob)
    authenticator = Authenticator.objects.get(user=personas.bob, type="recovery_codes")
    codes = RecoveryCodes(authenticator)
    for code in codes.get_unused_codes()[:8]:
        assert codes.validate_code(code)
    html = client_for(personas.bob).get(URL).content.decode()
    assert "2 of 10 left" in html and "Only 2 recovery codes left" in html


def test_totp_activation_on_the_web_with_reauth_codes_shown_once(live_db, mailoutbox):
    personas = make_personas()  # live_db: allauth signals and mails run on commit, inside the request
    client = browser_login(personas.bob)
    response = client.get("/accounts/2fa/totp/activate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")  # factor changes need re-auth
    secret = activate_totp(client)

    # The secret is stored encrypted, never as the base32 text (SECURITY.md #11).
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM mfa_authenticator")
        raw = " ".join(str(row[0]) for row in cursor.fetchall())
    assert secret not in raw

    page = client.get("/accounts/2fa/recovery-codes/")
    assert page["Cache-Control"] == "no-store"
    codes = re.findall(r"\b\d{8}\b", page.content.decode())
    assert len(codes) == 10
    assert not any(code in raw for code in codes)
    again = client.get("/accounts/2fa/recovery-codes/").content.decode()
    assert not any(code in again for code in codes)  # show once
    assert "can't be displayed again" in again
    assert {e.action for e in AuditEvent.objects.filter(actor=personas.bob)} >= {
        "mfa.totp_add",
        "mfa.recovery_codes_generate",
    }
    assert [m.subject for m in mailoutbox] == ["[BillingOne] Authenticator App Activated"]


def test_totp_deactivation_needs_reauth_and_emails(live_db, mailoutbox):
    personas = make_personas()
    client = browser_login(personas.bob)
    activate_totp(client)
    reauthenticated(client)
    response = client.post("/accounts/2fa/totp/deactivate/")
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=personas.bob).exists()  # recovery codes went with it
    assert AuditEvent.objects.filter(action="mfa.totp_remove", actor=personas.bob).exists()
    assert mailoutbox[-1].subject == "[BillingOne] Authenticator App Deactivated"


def test_allauth_index_pages_lead_to_our_sections(personas, client_for):
    client = client_for(personas.bob)
    assert client.get("/accounts/2fa/")["Location"] == URL
    assert client.get("/accounts/2fa/webauthn/")["Location"] == URL
    assert client.get("/accounts/sessions/")["Location"] == "/org-a/settings/sessions/"


def test_apple_app_site_association_lists_the_app(client, settings):
    settings.IOS_APP_IDS = ["ABCDE12345.dev.billingone.app"]
    response = client.get("/.well-known/apple-app-site-association")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"webcredentials": {"apps": ["ABCDE12345.dev.billingone.app"]}}
    assert client.post("/.well-known/apple-app-site-association").status_code == 405


def test_two_step_page_offers_a_passkey_only_to_users_who_have_one(personas, enable_totp, app_client):
    from billingone.accounts.tests.test_api_headless import register_passkey, signed_in
    from billingone.testing.webauthn import SoftAuthenticator

    enable_totp(personas.bob)
    client = Client()
    client.post("/accounts/login/", {"login": personas.bob.email, "password": PASSWORD})
    html = client.get("/accounts/2fa/authenticate/").content.decode()
    assert "Verify and sign in" in html and "Use a passkey" not in html

    register_passkey(signed_in(app_client, personas.alice), SoftAuthenticator())
    enable_totp(personas.alice)
    client = Client()
    client.post("/accounts/login/", {"login": personas.alice.email, "password": PASSWORD})
    assert "Use a passkey or security key" in client.get("/accounts/2fa/authenticate/").content.decode()


def test_regenerating_recovery_codes_needs_reauth_and_voids_the_old_ones(personas, enable_totp, client_for):
    enable_totp(personas.bob)
    old = RecoveryCodes(Authenticator.objects.get(user=personas.bob, type="recovery_codes")).get_unused_codes()
    client = client_for(personas.bob)
    response = client.post("/accounts/2fa/recovery-codes/generate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")
    reauthenticated(client)
    response = client.post("/accounts/2fa/recovery-codes/generate/")
    assert response.status_code == 302
    fresh = RecoveryCodes(Authenticator.objects.get(user=personas.bob, type="recovery_codes"))
    assert not any(fresh.validate_code(code) for code in old)
