"""Account security in Chromium, as a person would use it."""

from __future__ import annotations

import time

import pyotp
import pytest

from billingone.testing.browser import sign_in
from billingone.testing.personas import PASSWORD, make_personas

pytestmark = [pytest.mark.browser]


@pytest.fixture
def people(live_db):
    return make_personas()


def reauthenticate_if_asked(page) -> None:
    if "/accounts/reauthenticate/" in page.url:
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")


def sign_out(page, *, then: str = "**/accounts/login/**") -> None:
    page.goto("/accounts/logout/")
    page.click("main form button[type=submit]")
    page.wait_for_url(then)


def fresh_code(secret: str, used: str) -> str:
    """A code from the next 30 s step when `used` is still the current one (codes are single use)."""
    totp = pyotp.TOTP(secret)
    while totp.now() == used:
        time.sleep(1)
    return totp.now()


def enrol_totp(page) -> tuple[str, str]:
    reauthenticate_if_asked(page)
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    secret = page.input_value("#authenticator_secret")
    code = pyotp.TOTP(secret).now()
    page.fill("input[name=code]", code)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    assert len(page.input_value("#recovery_codes").split()) == 10
    return secret, code


def test_totp_enrolment_then_sign_in_with_password_and_code(people, page):
    sign_in(page, "", people.bob.email, PASSWORD)
    page.goto("/org-a/settings/security/")
    page.click("#totp a:has-text('Set up')")
    secret, used = enrol_totp(page)
    page.click("#recovery_continue")
    page.goto("/org-a/settings/security/")
    assert page.locator("#totp .badge--success").inner_text() == "On"

    sign_out(page)
    sign_in(page, "", people.bob.email, PASSWORD)
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.fill("input[name=code]", "000000")
    page.click("main form button[type=submit]")
    assert "/accounts/2fa/authenticate/" in page.url  # a wrong code keeps you out
    page.fill("input[name=code]", fresh_code(secret, used))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/org-a/")  # signed in: the organization's Dashboard
    page.goto("/org-a/settings/security/")
    history = page.locator("#login-history tbody").inner_text()
    assert "Signed in" in history and "Authenticator app" in history and "Wrong code" in history


def test_passkey_registration_then_passwordless_sign_in(people, page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    sign_in(page, "", people.alice.email, PASSWORD)
    page.goto("/org-a/settings/security/")
    page.click("#passkeys a:has-text('Add a passkey')")
    reauthenticate_if_asked(page)
    page.wait_for_url("**/accounts/2fa/webauthn/add/")
    page.fill("input[name=name]", "Test laptop")
    assert page.is_checked("input[name=passwordless]")  # passkeys sign in alone by default
    page.click("#mfa_webauthn_add")
    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    page.goto("/org-a/settings/security/")
    assert "Test laptop" in page.locator("#passkeys").inner_text()

    # 1. Autofill (conditional mediation): the sign-in page offers the passkey by itself, and
    #    Chromium's virtual authenticator picks it at once.
    sign_out(page, then="**/org-a/**")

    # 2. The explicit button, in a browser without autofill support.
    page.add_init_script("PublicKeyCredential.isConditionalMediationAvailable = async () => false;")
    sign_out(page)
    page.click("#passkey_login")
    page.wait_for_url("**/org-a/**")
    page.goto("/org-a/settings/security/")
    log = page.locator("#passkey-log tbody").inner_text()
    assert log.count("Used to sign in") == 2 and "Registered" in log
    assert "Passkey" in page.locator("#login-history tbody").inner_text()


def test_revoking_another_browsers_session_signs_it_out_at_its_next_click(people, page, browser, live_url):
    other = browser.new_context(
        base_url=live_url, user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"
    )
    b = other.new_page()
    try:
        sign_in(b, "", people.alice.email, PASSWORD)
        b.goto("/org-a/settings/profile/")
        sign_in(page, "", people.alice.email, PASSWORD)
        page.goto("/org-a/settings/sessions/")
        rows = page.locator("tr[data-session-id]")
        assert rows.count() == 2
        page.on("dialog", lambda dialog: dialog.accept())
        page.locator("tr:has-text('Firefox on Windows') button:has-text('Revoke')").click()
        page.wait_for_url("**/org-a/settings/sessions/")
        assert page.locator("tr[data-session-id]").count() == 1
        assert "This device" in page.locator("tr[data-session-id]").inner_text()

        b.click(".sidenav a:has-text('Security')")
        b.wait_for_url("**/accounts/login/**")
        assert b.locator("input[name=password]").is_visible()
    finally:
        other.close()


def test_mandatory_enrolment_when_the_organization_requires_mfa(people, page):
    people.org_a.require_mfa = True
    people.org_a.save()
    sign_in(page, "", people.bob.email, PASSWORD)
    page.wait_for_url("**/accounts/security/enrol/")
    assert "Org A Networks" in page.inner_text("main")
    page.goto("/org-a/settings/profile/")
    page.wait_for_url("**/accounts/security/enrol/")  # nothing else opens
    page.click("a:has-text('Set up an authenticator app')")
    enrol_totp(page)
    page.click("#recovery_continue")
    page.wait_for_url("**/org-a/**")
    page.goto("/org-a/settings/profile/")
    assert page.url.endswith("/org-a/settings/profile/")
