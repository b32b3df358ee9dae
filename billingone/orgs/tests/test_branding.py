"""Branding: logo and colours on every page and in emails; hostile input refused."""

from __future__ import annotations

import os

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from billingone.audit.models import AuditEvent
from billingone.lib.tests.test_images import encoded, forged_png
from billingone.orgs.branding import contrast_ratio, css_variables, text_color_on
from billingone.orgs.models import DEFAULT_ACCENT_COLOR, DEFAULT_PRIMARY_COLOR, Organization

SAVE = "/org-a/settings/branding/save/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def logo(data: bytes, name: str = "logo.png", content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def post(client, **data):
    payload = {"primary_color": "#0B5FFF", "accent_color": "#14532D"}
    payload.update(data)
    return client.post(SAVE, payload)


def org() -> Organization:
    return Organization.objects.get(slug="org-a")


def test_logo_and_colours_show_on_other_pages_and_in_sent_emails(personas, client_for, client, app_token):
    owner = client_for(personas.alice)
    assert post(owner, logo=logo(encoded("JPEG", size=(300, 100)))).status_code == 302
    organization = org()
    assert organization.logo.name.startswith(f"orgs/{organization.public_id}/branding/")
    assert organization.logo.name.endswith(".png")

    page = owner.get("/org-a/settings/team/").content.decode()
    assert "--brand-primary:#0B5FFF;" in page
    assert "--brand-accent:#14532D;" in page
    assert "--brand-on-primary:#FFFFFF;" in page
    assert f'<img class="brand__logo" src="/media/{organization.logo.name}"' in page

    served = owner.get(f"/media/{organization.logo.name}")
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"]

    owner.post("/org-a/settings/team/invite/", {"email": "new@example.com", "role": "viewer"})
    html = mail.outbox[-1].alternatives[0][0]
    assert "background:#0B5FFF;height:6px" in html
    assert "color:#FFFFFF;font-weight:600" in html  # the button text on the primary colour
    assert f"http://localhost:8000/media/{organization.logo.name}" in html or organization.logo.url in html
    assert "border-top:3px solid #14532D" in html

    api = client.get("/api/v1/orgs/org-a", headers={"X-Session-Token": app_token(personas.bob)}).json()
    assert api["branding"]["primary_color"] == "#0B5FFF"
    assert api["branding"]["logo_url"].endswith(organization.logo.url)


def test_branding_change_is_audited_with_before_and_after(personas, client_for):
    post(client_for(personas.alice), primary_color="#0b5fff")
    event = AuditEvent.objects.get(action="org.branding_update")
    assert event.changes == {
        "accent_color": {"before": DEFAULT_ACCENT_COLOR, "after": "#14532D"},
        "primary_color": {"before": DEFAULT_PRIMARY_COLOR, "after": "#0B5FFF"},
    }


@pytest.mark.parametrize(
    "color",
    ["red;}body{display:none", "red", "#FFF", "#12345G", "rgb(1,2,3)", "#123456;", "#1234567", "</style><script>"],
)
def test_anything_but_hex_rrggbb_is_refused(color, personas, client_for):
    response = post(client_for(personas.alice), primary_color=color)
    assert response.status_code == 422
    assert "Use a colour in the form #RRGGBB" in response.content.decode()
    assert org().primary_color == DEFAULT_PRIMARY_COLOR
    assert "display:none" not in client_for(personas.alice).get("/org-a/settings/team/").content.decode()


def test_a_colour_without_aa_contrast_for_any_text_is_refused_with_the_reason(personas, client_for):
    response = post(client_for(personas.alice), accent_color="#808080")
    assert response.status_code == 422
    body = response.content.decode()
    assert "Accent colour #808080 is too mid-toned for readable text" in body
    assert "WCAG AA needs 4.5:1" in body
    assert org().accent_color == DEFAULT_ACCENT_COLOR


@pytest.mark.parametrize("color", ["#000000", "#FFFFFF", "#2457D6", "#FFEE00", "#0E9F6E", "#7C3AED"])
def test_the_chosen_text_colour_always_reaches_aa(color):
    assert contrast_ratio(color, text_color_on(color)) >= 4.5 or color == "#808080"


def test_links_on_a_light_primary_are_darkened_for_aa_on_white(personas):
    personas.org_a.primary_color = "#FFEE00"
    link = css_variables(personas.org_a)["--brand-link"]
    assert contrast_ratio(link, "#FFFFFF") >= 4.5


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "SVG images are not accepted"),
        (encoded("PNG") + b"<script>alert(1)</script>", "refused"),
        (forged_png(60_000, 60_000), "too many pixels"),
        (encoded("PNG", size=(4097, 4097)), "too many pixels"),
        (b"GIF89a" + b"\x00" * 64, "not a PNG, JPEG or WebP"),
    ],
    ids=["svg-script", "polyglot", "pixel-flood", "just-over", "gif"],
)
def test_hostile_logos_are_refused_and_nothing_is_saved(data, message, personas, client_for):
    response = post(client_for(personas.alice), logo=logo(data, "logo.png"))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not org().logo
    assert org().primary_color == DEFAULT_PRIMARY_COLOR  # the whole save is refused


def test_reset_restores_defaults_and_removes_the_logo(personas, client_for, django_capture_on_commit_callbacks):
    owner = client_for(personas.alice)
    post(owner, logo=logo(encoded("PNG")))
    stored = org().logo.path
    with django_capture_on_commit_callbacks(execute=True):
        assert owner.post("/org-a/settings/branding/reset/").status_code == 302
    organization = org()
    assert (organization.primary_color, organization.accent_color, organization.logo.name) == (
        DEFAULT_PRIMARY_COLOR,
        DEFAULT_ACCENT_COLOR,
        "",
    )
    assert not os.path.exists(stored)
    assert AuditEvent.objects.filter(action="org.branding_reset").count() == 1


def test_remove_logo_checkbox(personas, client_for):
    owner = client_for(personas.alice)
    post(owner, logo=logo(encoded("PNG")))
    post(owner, remove_logo="on")
    assert not org().logo


def test_finance_and_outsiders_cannot_brand(personas, client_for):
    assert post(client_for(personas.member("finance"))).status_code == 403
    assert post(client_for(personas.charlie)).status_code == 404
    assert client_for(personas.member("finance")).get("/org-a/settings/branding/").status_code == 403
    assert org().primary_color == DEFAULT_PRIMARY_COLOR


def test_org_name_is_escaped_in_pages_and_emails(personas, client_for):
    Organization.objects.filter(pk=personas.org_a.pk).update(name='<img src=x onerror="alert(1)">')
    owner = client_for(personas.alice)
    assert b"<img src=x onerror" not in owner.get("/org-a/settings/team/").content
    owner.post("/org-a/settings/team/invite/", {"email": "new@example.com", "role": "viewer"})
    assert "<img src=x onerror" not in mail.outbox[-1].alternatives[0][0]
    assert "&lt;img src=x onerror" in mail.outbox[-1].alternatives[0][0]
