"""Password reset (no enumeration, single use, no auto-login) and login rate limits."""

from __future__ import annotations

import re

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a brand new long passphrase"


def test_reset_answers_the_same_for_known_and_unknown_emails(client, personas):
    known = client.post("/accounts/password/reset/", {"email": "alice@org-a.test"})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@org-a.test"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    assert [m.to for m in mail.outbox] == [["alice@org-a.test"], ["nobody@org-a.test"]]
    assert "no account" in mail.outbox[1].body.lower() or "not" in mail.outbox[1].body.lower()


def test_reset_link_works_once_and_does_not_sign_in(client, personas):
    client.post("/accounts/password/reset/", {"email": "alice@org-a.test"})
    link = re.search(r"https?://[^/]+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url  # allauth moves the key into the session
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/org-a/settings/profile/").status_code == 302  # not signed in
    personas.alice.refresh_from_db()
    assert personas.alice.check_password(NEW_PASSWORD)
    reused = client.get(link, follow=True)
    assert b"Bad Token" in reused.content or b"invalid" in reused.content.lower()


def test_sixth_failed_login_is_refused_even_with_the_right_password(client, personas, password):
    for _ in range(5):
        client.post("/accounts/login/", {"login": "alice@org-a.test", "password": "wrong wrong wrong wrong"})
    response = client.post("/accounts/login/", {"login": "alice@org-a.test", "password": password})
    assert response.status_code in (200, 429)
    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in client.session
