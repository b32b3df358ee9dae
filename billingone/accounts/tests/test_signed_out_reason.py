"""A device signed out from elsewhere is told why on its next visit, once."""

from __future__ import annotations

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client

from billingone.accounts.signouts import REASONS
from billingone.testing.personas import PASSWORD

pytestmark = pytest.mark.usefixtures("fresh_cache")

NEW_PASSWORD = "an entirely different passphrase"


def signed_in(user) -> Client:
    client = Client()
    assert client.post("/accounts/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    assert client.get("/org-a/settings/profile/").status_code == 200
    return client


def next_visit(client: Client) -> str:
    response = client.get("/org-a/settings/security/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    return response.content.decode()


def test_a_revoked_device_lands_on_sign_in_with_the_reason(personas):
    laptop, phone = signed_in(personas.alice), signed_in(personas.alice)
    other = UserSession.objects.exclude(session_key=laptop.session.session_key).get(user=personas.alice)
    assert laptop.post(f"/org-a/settings/sessions/{other.pk}/revoke/").status_code == 302

    page = next_visit(phone)
    assert "You were signed out of this device from another one (Settings → Sessions)." in page
    assert "signed out of this device" not in next_visit(phone)  # said once


def test_a_password_change_tells_the_other_devices(personas):
    laptop, phone = signed_in(personas.alice), signed_in(personas.alice)
    data = {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert laptop.post("/accounts/password/change/", data).status_code == 302
    assert REASONS["password_changed"] in next_visit(phone)
    assert laptop.get("/org-a/settings/profile/").status_code == 200  # this device stays signed in


def test_a_stranger_with_an_unknown_cookie_gets_no_reason(personas):
    client = Client()
    client.cookies["sessionid"] = "not-a-session"
    page = next_visit(client)
    assert not any(reason in page for reason in REASONS.values())
