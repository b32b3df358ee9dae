"""allauth's pages (password, TOTP, passkeys, recovery codes, re-authentication) render inside
the app: the top bar, the Settings sidebar with the right section current, the organization's
branding, and our wording rather than the library's."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from billingone.testing.personas import PASSWORD

pytestmark = pytest.mark.usefixtures("fresh_cache")

LIBRARY_WORDING = (
    "Deactivate Authenticator App",
    "Remember Me",
    "Confirm Access",
    "Please reauthenticate",
    "Change Password",
    "Recovery Codes",
    "Current Password",
    "New Password (again)",
    "Enter an authenticator code",
    "Email Addresses",
    "Re-send Verification",
    "Make Primary",
)


@pytest.fixture
def alice(personas):
    personas.org_a.primary_color = "#7A1FA2"
    personas.org_a.save(update_fields=["primary_color"])
    personas.alice.last_organization = personas.org_a
    personas.alice.save(update_fields=["last_organization"])
    return personas.alice


@pytest.fixture
def signed_in(alice) -> Client:
    """Signed in and freshly re-authenticated through the real forms (MFA pages ask for it)."""
    client = Client()
    response = client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    return client


def page(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code, response.get("Location"))
    return response.content.decode()


def current_section(html: str) -> str:
    match = re.search(
        r'class="sidenav__link is-active"[^>]*aria-current="page">\s*<span class="sidenav__label">([^<]+)', html
    )
    return match.group(1) if match else ""


def assert_inside_the_app(html: str, *, section: str, heading: str) -> None:
    assert current_section(html) == section
    assert "Org A Networks" in html and 'aria-label="Main"' in html  # top bar with the organization
    assert "--brand-primary:#7A1FA2" in html  # the organization's branding
    assert f">{heading}<" in html
    for phrase in LIBRARY_WORDING:
        assert phrase not in html, phrase


@pytest.mark.parametrize(
    ("path", "section", "heading"),
    [
        ("/accounts/password/change/", "Profile", "Change password"),
        ("/accounts/email/", "Profile", "Email addresses"),
        ("/accounts/reauthenticate/", "Security", "Confirm it's you"),
        ("/accounts/2fa/totp/activate/", "Security", "Set up an authenticator app"),
        ("/accounts/2fa/webauthn/add/", "Security", "Add a passkey"),
    ],
)
def test_account_pages_render_in_settings(signed_in, path, section, heading):
    assert_inside_the_app(page(signed_in, path), section=section, heading=heading)


def test_mfa_pages_render_in_settings_with_our_wording(signed_in, alice, enable_totp):
    enable_totp(alice)
    pages = {
        "/accounts/2fa/totp/deactivate/": "Turn off the authenticator app?",
        "/accounts/2fa/recovery-codes/": "Recovery codes",
        "/accounts/2fa/recovery-codes/generate/": "Generate new recovery codes?",
        "/accounts/2fa/reauthenticate/": "Confirm it's you",
    }
    for path, heading in pages.items():
        assert_inside_the_app(page(signed_in, path), section="Security", heading=heading)


def test_passkey_rename_and_remove_render_in_settings(signed_in, alice):
    from allauth.mfa.models import Authenticator

    key = Authenticator.objects.create(
        user=alice, type=Authenticator.Type.WEBAUTHN, data={"name": "Work laptop", "credential": {}}
    )
    assert_inside_the_app(
        page(signed_in, f"/accounts/2fa/webauthn/keys/{key.pk}/edit/"), section="Security", heading="Rename passkey"
    )
    html = page(signed_in, f"/accounts/2fa/webauthn/keys/{key.pk}/remove/")
    assert_inside_the_app(html, section="Security", heading="Remove “Work laptop”?")


def test_sign_in_page_uses_our_wording(client):
    html = page(client, "/accounts/login/")
    assert "Keep me signed in on this device" in html
    assert "Remember Me" not in html
