"""At 390 px (a phone), in Chromium: the top bar's menu reaches the organization switcher,
Settings and Sign out; the current Settings tab is in view; every list shows its rows as cards
whose actions are on screen; nothing needs a sideways scroll."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from billingone.orgs import navigation
from billingone.orgs.models import Membership
from billingone.orgs.roles import Role
from billingone.testing.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
ROW_ACTIONS = ", ".join(f"{cell} :is(a, button, select)" for cell in ("td.actions", "td.cell-actions", "td .role-form"))


@pytest.fixture
def phone(browser, live_url):
    # Not is_mobile: a mobile viewport zooms out to fit a too-wide page, which would hide the overflow.
    context = browser.new_context(base_url=live_url, viewport=PHONE)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def assert_no_sideways_scroll(page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[1] == PHONE["width"]
    assert widths[0] <= widths[1], f"{page.url} is {widths[0]} px wide on a {widths[1]} px screen"


def assert_on_screen(locator) -> None:
    """Visible, and its whole box lies within the screen's width."""
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    width = locator.page.evaluate("window.innerWidth")
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (locator, box, width)


def assert_row_actions_on_screen(page) -> int:
    actions = page.locator(ROW_ACTIONS)
    for index in range(actions.count()):
        action = actions.nth(index)
        action.scroll_into_view_if_needed()
        assert_on_screen(action)
    return actions.count()


def test_the_phone_menu_reaches_pages_organizations_settings_and_sign_out(phone, live_url, personas, password):
    Membership.objects.create(user=personas.alice, organization=personas.org_b, role=Role.VIEWER)
    sign_in(phone, live_url, personas.alice.email, password)
    phone.goto("/org-a/settings/profile/")
    assert_no_sideways_scroll(phone)
    expect(phone.get_by_label("Switch organization")).to_be_hidden()  # the desktop switcher folds away

    phone.get_by_label("Open menu").click()
    for name in ("Subscriptions", "Settings", "Sign out"):
        assert_on_screen(phone.get_by_role("menuitem", name=name, exact=True))
    assert_on_screen(phone.get_by_role("menuitem", name=re.compile("Org A Networks")))
    assert_no_sideways_scroll(phone)

    phone.get_by_role("menuitem", name=re.compile("Org B Systems")).click()
    expect(phone).to_have_url(re.compile(r"/org-b/"))
    phone.get_by_label("Open menu").click()
    phone.get_by_role("menuitem", name="Sign out").click()
    expect(phone).to_have_url(re.compile(r"/accounts/login/|/$"))
    phone.goto("/org-a/settings/profile/")
    expect(phone).to_have_url(re.compile(r"/accounts/login/\?next="))


def test_the_current_settings_tab_is_scrolled_into_view(phone, live_url, personas, password):
    sign_in(phone, live_url, personas.alice.email, password)
    for path, label in (("/org-a/settings/audit/", "Audit Logs"), ("/org-a/settings/team/", "Team")):
        phone.goto(path)
        assert_on_screen(phone.locator(".sidenav .is-active", has_text=label))
        assert_no_sideways_scroll(phone)


def test_every_row_action_is_on_screen(phone, browser, live_url, personas, password):
    alice = personas.alice
    elsewhere = browser.new_context(base_url=live_url)  # a second session, so Sessions lists a Revoke
    sign_in(elsewhere.new_page(), live_url, alice.email, password)
    sign_in(phone, live_url, alice.email, password)
    # Listed only (added after sign-in: it has no real credential to sign in with).
    Authenticator.objects.create(
        user=alice, type=Authenticator.Type.WEBAUTHN, data={"name": "Work laptop " + "x" * 60, "credential": {}}
    )
    pages = {
        "/org-a/settings/sessions/": 2,  # Sign out (this device) and Revoke
        "/org-a/settings/security/": 2,  # Rename and Remove of the passkey
        "/org-a/settings/team/": 4 * 3,  # each other member: role, Save, Remove
        "/org-a/settings/audit/": 0,
    }
    for path, expected_actions in pages.items():
        phone.goto(path)
        assert_no_sideways_scroll(phone)
        assert assert_row_actions_on_screen(phone) == expected_actions, path
        expect(phone.locator("table.stack thead").first).to_be_hidden()  # rows are cards
    elsewhere.close()


def test_no_page_in_the_navigation_scrolls_sideways(phone, live_url, personas, password):
    sign_in(phone, live_url, personas.alice.email, password)
    pages = [
        *navigation.visible_pages(personas.org_a, Role.OWNER),
        *navigation.visible_sections(personas.org_a, Role.OWNER),
    ]
    assert len(pages) >= 10
    for page in pages:
        phone.goto(page["url"])
        assert_no_sideways_scroll(phone)
