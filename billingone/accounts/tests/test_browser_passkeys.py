"""Passkeys in Chromium (virtual authenticator): adding a second one from the same device says
so; a long unbroken name wraps instead of widening the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from billingone.accounts.models import PASSKEY_NAME_MAX_LENGTH
from billingone.accounts.tests.test_browser import reauthenticate_if_asked
from billingone.testing.browser import sign_in
from billingone.testing.personas import PASSWORD, make_personas

pytestmark = [pytest.mark.browser]


@pytest.fixture
def people(live_db):
    return make_personas()


def with_virtual_authenticator(page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {"protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True}
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {**options, "isUserVerified": True}})


def add_passkey(page, name: str) -> None:
    page.goto("/accounts/2fa/webauthn/add/")
    reauthenticate_if_asked(page)
    page.wait_for_url("**/accounts/2fa/webauthn/add/")
    page.fill("input[name=name]", name)
    page.click("#mfa_webauthn_add")


def test_a_second_passkey_from_the_same_device_is_explained(people, page):
    with_virtual_authenticator(page)
    sign_in(page, "", people.alice.email, PASSWORD)
    add_passkey(page, "Laptop")
    page.wait_for_url("**/accounts/2fa/recovery-codes/")

    add_passkey(page, "Laptop again")
    expect(page.locator("[data-passkey-error]")).to_contain_text("This device already has a passkey")
    assert page.url.endswith("/accounts/2fa/webauthn/add/")


def test_a_long_unbroken_passkey_name_wraps(people, page):
    with_virtual_authenticator(page)
    sign_in(page, "", people.alice.email, PASSWORD)
    add_passkey(page, "W" * PASSKEY_NAME_MAX_LENGTH)
    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/org-a/settings/security/")
        table = page.locator("#passkeys .table-wrap")
        assert table.evaluate("e => e.scrollWidth <= e.clientWidth"), f"passkey table scrolls at {width} px"
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        page.click("#passkeys a:has-text('Remove')")
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
