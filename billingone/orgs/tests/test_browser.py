"""In Chromium: invite → accept from the email in a second browser → sign up → land in the org;
change their role; remove them with the confirmation; their next click is refused. And the
branding form: live preview, saved colours and logo on another page and in a sent email."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from billingone.lib.tests.test_images import encoded
from billingone.orgs.conftest import last_accept_link
from billingone.orgs.models import Membership
from billingone.testing.browser import sign_in

pytestmark = [pytest.mark.browser]


@pytest.fixture
def live_site(settings, live_url, tmp_path):
    settings.SITE_URL = live_url  # links in emails point at the live server
    settings.MEDIA_ROOT = tmp_path
    return live_url


@pytest.mark.django_db(transaction=True)
def test_invite_accept_signup_role_change_and_removal(personas, browser, page, live_site, password):
    sign_in(page, live_site, personas.alice.email, password)
    page.goto(f"{live_site}/org-a/settings/team/")
    page.fill("#id_email", "nina@example.com")
    page.select_option("#id_role", "viewer")
    page.fill("#id_name", "Nina New")
    page.click("text=Send invitation")
    page.wait_for_selector("text=Invitation sent to nina@example.com.")
    assert page.locator('[data-invitation="nina@example.com"]').is_visible()

    link = last_accept_link("nina@example.com")
    assert link.startswith(live_site)
    invitee = browser.new_context(base_url=live_site)
    invitee.set_default_timeout(10_000)
    nina = invitee.new_page()
    nina.goto(link)
    assert "Join Org A Networks" in nina.inner_text("h1")
    nina.click("text=Create your account")
    assert nina.input_value("input[name=email]") == "nina@example.com"
    assert nina.locator("input[name=organization_name]").count() == 0
    nina.fill("input[name=name]", "Nina New")
    nina.fill("input[name=password1]", "a long and unusual passphrase")
    nina.click("button[type=submit]")
    nina.wait_for_url(re.compile(r"/org-a/$"))  # the organization's Dashboard
    nina.goto(f"{live_site}/org-a/settings/profile/")
    assert "Org A Networks" in nina.inner_text(".org-chip")
    nina_membership = Membership.objects.get(user__email="nina@example.com")
    assert nina_membership.role == "viewer"
    assert Membership.objects.filter(user__email="nina@example.com").count() == 1

    # The owner changes Nina's role.
    page.goto(f"{live_site}/org-a/settings/team/")
    row = page.locator('[data-member="nina@example.com"]')
    row.locator("select").select_option("finance")
    row.locator("text=Save").click()
    page.wait_for_selector("text=Nina New is now Finance.")
    nina_membership.refresh_from_db()
    assert nina_membership.role == "finance"

    # ... then removes her, through the confirmation page.
    page.locator('[data-member="nina@example.com"]').locator("text=Remove").click()
    page.wait_for_selector("text=Remove Nina New?")
    page.click("text=Remove from Org A Networks")
    page.wait_for_selector("text=Nina New was removed from Org A Networks.")
    assert page.locator('[data-member="nina@example.com"]').count() == 0

    # Nina's next click is refused.
    nina.click("a.sidenav__link >> text=Team")
    assert "404" in nina.inner_text(".error-code")
    invitee.close()


@pytest.mark.django_db(transaction=True)
def test_branding_live_preview_saved_and_applied_everywhere(personas, page, live_site, password, tmp_path):
    sign_in(page, live_site, personas.alice.email, password)
    page.goto(f"{live_site}/org-a/settings/branding/")
    page.fill("#id_primary_color", "#808080")
    assert "below AA" in page.inner_text('[data-contrast-for="id_primary_color"]')
    page.fill("#id_primary_color", "#7C3AED")
    preview_bg = page.eval_on_selector(".preview__btn--primary", "e => getComputedStyle(e).backgroundColor")
    assert preview_bg == "rgb(124, 58, 237)"
    page.fill("#id_accent_color", "#FDE68A")
    logo_file = tmp_path / "logo.webp"
    logo_file.write_bytes(encoded("WEBP", size=(240, 80)))
    page.set_input_files("#id_logo", str(logo_file))
    page.click("text=Save branding")
    page.wait_for_selector("text=Branding saved.")

    page.goto(f"{live_site}/org-a/settings/team/")
    button_bg = page.eval_on_selector(".btn--primary", "e => getComputedStyle(e).backgroundColor")
    assert button_bg == "rgb(124, 58, 237)"
    assert page.locator("img.brand__logo").is_visible()
    assert page.eval_on_selector("img.brand__logo", "e => e.naturalWidth") == 240

    page.fill("#id_email", "brand@example.com")
    page.click("text=Send invitation")
    page.wait_for_selector("text=Invitation sent to brand@example.com.")
    html = mail.outbox[-1].alternatives[0][0]
    assert "background:#7C3AED;height:6px" in html
    assert "border-top:3px solid #FDE68A" in html
    assert "/media/orgs/" in html

    # A hostile colour typed in the browser is refused with the reason, nothing changes.
    page.goto(f"{live_site}/org-a/settings/branding/")
    page.fill("#id_primary_color", "red;}body{display:none")
    page.click("text=Save branding")
    assert "Use a colour in the form #RRGGBB" in page.inner_text(".field__errors")
    assert page.is_visible("body")
