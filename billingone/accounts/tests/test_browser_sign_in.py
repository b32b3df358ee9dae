"""In Chromium: sign in, land in Settings, switch organization, sign out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from billingone.orgs.models import Membership
from billingone.orgs.roles import Role
from billingone.testing.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_lands_on_the_dashboard_and_switches_organization(page, live_url, personas, password):
    Membership.objects.create(user=personas.alice, organization=personas.org_b, role=Role.VIEWER)
    sign_in(page, live_url, "alice@org-a.test", password)
    expect(page).to_have_url(re.compile(r"/org-a/$"))
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    page.goto(f"{live_url}/org-a/settings/profile/")
    expect(page.get_by_role("heading", name="Profile")).to_be_visible()
    expect(page.locator(".sidenav")).to_contain_text("Profile")

    page.get_by_label("Full name").fill("Alice A. Owner")
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator(".flash--success")).to_have_text("Profile saved.")

    page.get_by_label("Switch organization").click()
    page.get_by_role("menuitem", name=re.compile("Org B Systems")).click()
    expect(page).to_have_url(re.compile(r"/org-b/$"))
    expect(page.locator(".org-chip")).to_have_text("Org B Systems")

    page.get_by_label("Account menu").click()
    page.get_by_role("menuitem", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/|/$"))
    page.goto(f"{live_url}/org-a/settings/profile/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))


def test_wrong_password_shows_a_clear_error(page, live_url, personas):
    sign_in(page, live_url, "alice@org-a.test", "this is not the password")
    expect(page.locator("body")).to_contain_text("The email address and/or password you specified are not correct.")
