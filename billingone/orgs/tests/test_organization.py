"""Organization section: name, URL slug (old slug redirects 30 days), MFA requirement, timeout."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.urls import reverse
from django.utils import timezone

from billingone.audit.models import AuditEvent
from billingone.orgs.flows import create_organization
from billingone.orgs.models import Organization, SlugRedirect

SAVE = "/org-a/settings/organization/save/"


def form(**overrides) -> dict:
    data = {"name": "Org A Networks", "slug": "org-a", "session_timeout": ""}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_every_role_reads_the_section_but_only_managers_get_a_save_button(personas, client_for):
    viewer = client_for(personas.bob).get("/org-a/settings/organization/")
    assert viewer.status_code == 200
    assert b"Only Owners and Admins can change them" in viewer.content
    assert b"Save changes" not in viewer.content
    assert b"disabled" in viewer.content
    owner = client_for(personas.alice).get("/org-a/settings/organization/")
    assert b"Save changes" in owner.content


def test_outsider_gets_404_and_viewer_403_on_save(personas, client_for):
    assert client_for(personas.charlie).get("/org-a/settings/organization/").status_code == 404
    assert client_for(personas.bob).post(SAVE, form(name="Hacked")).status_code == 403
    assert Organization.objects.get(slug="org-a").name == "Org A Networks"


def test_rename_and_timeout_are_saved_and_audited_with_before_and_after(personas, client_for):
    response = client_for(personas.alice).post(SAVE, form(name="  Org   A Cloud ", session_timeout="45"))
    assert response.status_code == 302
    org = Organization.objects.get(pk=personas.org_a.pk)
    assert (org.name, org.session_timeout_minutes) == ("Org A Cloud", 45)
    event = AuditEvent.objects.get(action="org.update")
    assert event.changes == {
        "name": {"before": "Org A Networks", "after": "Org A Cloud"},
        "session_timeout_minutes": {"before": None, "after": 45},
    }
    assert event.actor == personas.alice


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("settings", "reserved"),
        ("api", "reserved"),
        ("Org_A!", "lowercase letters"),
        ("ab", "lowercase letters"),
        ("a--b", "two hyphens"),
        ("org-b", "already taken"),
    ],
)
def test_bad_slugs_are_refused_with_a_clear_message(slug, message, personas, client_for):
    response = client_for(personas.alice).post(SAVE, form(slug=slug))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert Organization.objects.get(pk=personas.org_a.pk).slug == "org-a"


@pytest.mark.parametrize("minutes", ["0", "4", "721", "-5", "abc"])
def test_session_timeout_out_of_range_is_refused(minutes, personas, client_for):
    response = client_for(personas.alice).post(SAVE, form(session_timeout=minutes))
    assert response.status_code == 422
    assert Organization.objects.get(pk=personas.org_a.pk).session_timeout_minutes is None


def test_requiring_mfa_needs_mfa_on_your_own_account_first(personas, client_for):
    client = client_for(personas.alice)
    response = client.post(SAVE, form(require_mfa="on"))
    assert response.status_code == 422
    assert b"Turn on two-factor authentication for your own account first" in response.content
    Authenticator.objects.create(user=personas.alice, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert client.post(SAVE, form(require_mfa="on")).status_code == 302
    assert Organization.objects.get(pk=personas.org_a.pk).require_mfa is True


def test_slug_change_redirects_the_old_urls_for_members_for_30_days(personas, client_for, client, app_token):
    owner = client_for(personas.alice)
    response = owner.post(SAVE, form(slug="org-a-cloud", confirm_slug="org-a-cloud"))
    assert response.status_code == 302 and response["Location"] == "/org-a-cloud/settings/organization/"
    assert AuditEvent.objects.get(action="org.update").changes["slug"] == {"before": "org-a", "after": "org-a-cloud"}

    old = owner.get("/org-a/settings/team/?tab=1")
    assert old.status_code == 302 and old["Location"] == "/org-a-cloud/settings/team/?tab=1"
    assert owner.get(old["Location"]).status_code == 200

    token = app_token(personas.bob)
    api = client.get("/api/v1/orgs/org-a/members", headers={"X-Session-Token": token})
    assert api.status_code == 307
    assert api["Location"] == "/api/v1/orgs/org-a-cloud/members"
    assert api.json()["error"] == {
        "code": "moved",
        "message": "This organization's URL is now “org-a-cloud”.",
        "slug": "org-a-cloud",
    }

    # Outsiders learn nothing: the old slug is a plain 404 for them.
    assert client_for(personas.charlie).get("/org-a/settings/team/").status_code == 404

    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert client_for(personas.alice).get("/org-a/settings/team/").status_code == 404


def test_a_new_url_is_confirmed_first_and_says_what_it_becomes(personas, client_for):
    owner = client_for(personas.alice)
    response = owner.post(SAVE, form(slug="ACME-Cloud", name="Org A Cloud"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'Change the URL to <span class="mono">testserver/acme-cloud/</span>?' in html
    assert "URLs are lowercase, so “ACME-Cloud” becomes “acme-cloud”." in html
    assert "testserver/org-a/" in html and "30 days" in html
    assert 'name="confirm_slug" value="acme-cloud"' in html and 'value="Org A Cloud"' in html
    org = Organization.objects.get(pk=personas.org_a.pk)
    assert (org.slug, org.name) == ("org-a", "Org A Networks")  # nothing saved yet

    response = owner.post(SAVE, form(slug="acme-cloud", name="Org A Cloud", confirm_slug="acme-cloud"), follow=True)
    assert response.redirect_chain[-1][0] == "/acme-cloud/settings/organization/"
    assert "Its address is now testserver/acme-cloud/" in response.content.decode()
    org.refresh_from_db()
    assert (org.slug, org.name) == ("acme-cloud", "Org A Cloud")


def test_a_taken_url_is_refused_before_any_confirmation(personas, client_for):
    response = client_for(personas.alice).post(SAVE, form(slug="ORG-B"))
    assert response.status_code == 422 and "already taken" in response.content.decode()
    assert "confirm_slug" not in response.content.decode()


def test_the_flow_refuses_an_uppercase_slug_instead_of_lowercasing_it(personas):
    from billingone.orgs.errors import FlowError
    from billingone.orgs.flows import check_slug

    with pytest.raises(FlowError, match="URLs are lowercase: use “acme”"):
        check_slug("ACME", personas.org_a)
    assert check_slug("acme", personas.org_a) == "acme"


def test_old_slug_cannot_be_taken_by_another_org_while_it_redirects(personas, client_for):
    client_for(personas.alice).post(SAVE, form(slug="org-a-cloud", confirm_slug="org-a-cloud"))
    taking = form(name="Org B", slug="org-a", confirm_slug="org-a")
    response = client_for(personas.charlie).post("/org-b/settings/organization/save/", taking)
    assert response.status_code == 422 and b"already taken" in response.content
    new_org = create_organization(personas.charlie, "Org A")
    assert new_org.slug != "org-a"


def test_changing_back_to_the_old_slug_drops_its_redirect(personas, client_for):
    owner = client_for(personas.alice)
    owner.post(SAVE, form(slug="org-a-cloud", confirm_slug="org-a-cloud"))
    back = owner.post("/org-a-cloud/settings/organization/save/", form(slug="org-a", confirm_slug="org-a"))
    assert back.status_code == 302
    assert list(SlugRedirect.objects.values_list("old_slug", flat=True)) == ["org-a-cloud"]
    assert owner.get("/org-a/settings/team/").status_code == 200


def test_post_to_an_old_slug_is_redirected_keeping_the_method(personas, client_for):
    owner = client_for(personas.alice)
    owner.post(SAVE, form(slug="org-a-cloud", confirm_slug="org-a-cloud"))
    response = owner.post(SAVE, form(slug="org-a-cloud", name="Renamed"))
    assert response.status_code == 307
    assert response["Location"] == "/org-a-cloud/settings/organization/save/"


def test_api_reads_the_organization_and_patch_is_web_only(personas, client, app_token):
    headers = {"X-Session-Token": app_token(personas.bob)}
    body = client.get("/api/v1/orgs/org-a", headers=headers).json()
    assert body == {
        "name": "Org A Networks",
        "slug": "org-a",
        "mfa_required": False,
        "session_timeout_minutes": None,
        "branding": {"logo_url": None, "primary_color": "#2457D6", "accent_color": "#0E9F6E"},
        "role": "viewer",
        "sync_failure_notifications": False,
    }
    patch = client.patch("/api/v1/orgs/org-a", {"name": "x"}, content_type="application/json", headers=headers)
    assert patch.status_code == 403
    error = patch.json()["error"]
    assert error["code"] == "web_only"
    assert error["web_url"].endswith(reverse("settings_organization", kwargs={"slug": "org-a"}))
