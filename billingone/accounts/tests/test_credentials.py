"""SECURITY.md items 1–4, 9, 10, 18, 21, 22: passwords, notifications, TOTP steps, session ids."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import httpx
import pyotp
import pytest
import time_machine
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from billingone.accounts.tests.test_sessions import browser_login
from billingone.testing.personas import PASSWORD, make_personas, make_user

pytestmark = pytest.mark.usefixtures("fresh_cache")
CHANGE = "/accounts/password/change/"


def change_password(client: Client, old: str, new: str):
    return client.post(CHANGE, {"oldpassword": old, "password1": new, "password2": new})


@pytest.mark.parametrize(
    ("new", "ok"),
    [
        ("fourteen chars", False),  # 14
        ("fifteen chars x", True),  # 15, all lowercase: no composition rules
        ("ünïcødé and spaces 🔑 " * 6, True),  # 128+ characters, Unicode, spaces
    ],
)
def test_password_change_length_rules(personas, new, ok):
    client = browser_login(personas.bob)
    response = change_password(client, PASSWORD, new)
    personas.bob.refresh_from_db()
    assert personas.bob.check_password(new) is ok
    assert (response.status_code == 302) is ok


def test_password_change_needs_the_right_current_password(personas):
    client = browser_login(personas.bob)
    response = change_password(client, "not my password at all", "a brand new long passphrase")
    assert response.status_code == 200
    personas.bob.refresh_from_db()
    assert personas.bob.check_password(PASSWORD)


def test_long_password_is_not_truncated_or_case_folded(db):
    password = "Aa1 " * 25  # 100 characters
    user = make_user("long@x.test", password=password)
    assert Client().post("/accounts/login/", {"login": user.email, "password": password[:72]}).status_code == 200
    assert Client().post("/accounts/login/", {"login": user.email, "password": password.swapcase()}).status_code == 200
    assert Client().post("/accounts/login/", {"login": user.email, "password": password}).status_code == 302


@pytest.mark.parametrize("word", ["BillingOne", "bob.viewer", "Org A Networks", "org-a"])
def test_context_words_are_refused(personas, word):
    personas.bob.email = "bob.viewer@org-a.test"
    with pytest.raises(ValidationError) as caught:
        validate_password(f"my {word} passphrase 2026", personas.bob)
    assert "password_context_word" in [e.code for e in caught.value.error_list]


class FakeHibp(httpx.MockTransport):
    """The range API: the suffixes of breached hashes under the requested 5-character prefix."""

    def __init__(self, breached: str = "", fail: bool = False):
        self.asked: list[str] = []
        digest = hashlib.sha1(breached.encode(), usedforsecurity=False).hexdigest().upper()

        def handler(request: httpx.Request) -> httpx.Response:
            if fail:
                raise httpx.ConnectTimeout("timed out", request=request)
            prefix = request.url.path.rsplit("/", 1)[-1]
            self.asked.append(prefix)
            lines = ["0000000000000000000000000000000000A:3"]
            if prefix == digest[:5]:
                lines.append(f"{digest[5:]}:1234")
            return httpx.Response(200, text="\r\n".join(lines))

        super().__init__(handler)


@pytest.fixture
def hibp(settings, monkeypatch):
    settings.PASSWORD_BREACH_CHECK = True

    def install(transport: FakeHibp) -> None:
        original = httpx.get
        monkeypatch.setattr(httpx, "get", lambda url, **kw: httpx.Client(transport=transport).get(url, **kw))
        assert original is not None

    return install


def test_breached_password_is_refused(personas, hibp):
    service = FakeHibp(breached="a long but leaked passphrase")
    hibp(service)
    with pytest.raises(ValidationError, match="data breach"):
        validate_password("a long but leaked passphrase", personas.bob)
    validate_password("a long and unleaked phrase", personas.bob)
    assert all(len(prefix) == 5 for prefix in service.asked)  # only the hash prefix leaves us


def test_breach_service_outage_fails_open_and_logs(personas, hibp, caplog):
    hibp(FakeHibp(fail=True))
    validate_password("a long and unleaked phrase", personas.bob)
    assert "Breached-password check unavailable" in caplog.text


def test_old_password_still_works_no_rotation(personas):
    with time_machine.travel(timezone.now() + timedelta(days=400)):
        assert Client().post("/accounts/login/", {"login": personas.bob.email, "password": PASSWORD}).status_code == 302


def test_password_change_emails_and_ends_other_sessions_web_and_app(live_db, mailoutbox, app_token):
    personas = make_personas()
    here = browser_login(personas.bob)
    elsewhere = browser_login(personas.bob)
    token = app_token(personas.bob)
    response = change_password(here, PASSWORD, "a completely different passphrase")
    assert response.status_code == 302
    assert (
        "other browsers and app sessions were signed out"
        in here.get(response["Location"], follow=True).content.decode()
    )
    assert [m.subject for m in mailoutbox] == ["[BillingOne] Password Changed"]
    assert here.get("/org-a/settings/profile/").status_code == 200
    assert elsewhere.get("/org-a/settings/profile/").status_code == 302
    assert Client().get("/api/v1/me", HTTP_X_SESSION_TOKEN=token).status_code == 401


def test_deactivated_user_loses_sessions_and_tokens(personas, app_token):
    client = browser_login(personas.bob)
    token = app_token(personas.bob)
    personas.bob.is_active = False
    personas.bob.save()
    assert client.get("/org-a/settings/profile/").status_code == 302
    assert Client().get("/api/v1/me", HTTP_X_SESSION_TOKEN=token).status_code == 401


def test_removed_member_loses_the_organization_at_the_next_request(personas):
    client = browser_login(personas.bob)
    personas.org_a.memberships.filter(user=personas.bob).delete()
    assert client.get("/org-a/settings/profile/").status_code == 404


def test_totp_code_of_the_previous_step_is_refused(personas, enable_totp):
    secret = enable_totp(personas.bob)
    totp = TOTP(personas.bob.authenticator_set.get(type="totp"))
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        previous = pyotp.TOTP(secret).at(now - timedelta(seconds=30))
        current = pyotp.TOTP(secret).at(now)
        assert not totp.validate_code(previous)
        assert totp.validate_code(current)
        assert not totp.validate_code(current)  # and only once


def test_session_id_changes_at_sign_in_and_at_reauthentication(personas):
    client = Client()
    client.get("/accounts/login/")
    client.post("/accounts/login/", {"login": personas.bob.email, "password": PASSWORD})
    signed_in = client.cookies["sessionid"].value
    response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302
    reauthenticated = client.cookies["sessionid"].value
    assert reauthenticated != signed_in
    assert client.get("/org-a/settings/sessions/").status_code == 200  # still signed in, still listed
    from allauth.usersessions.models import UserSession

    assert UserSession.objects.filter(user=personas.bob, session_key=reauthenticated).exists()


def test_email_change_needs_reauthentication(personas):
    client = browser_login(personas.bob)
    response = client.post("/accounts/email/", {"action_add": "", "email": "bob.new@org-a.test"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/reauthenticate/")
    assert not personas.bob.emailaddress_set.filter(email="bob.new@org-a.test").exists()
    response = client.post(response["Location"], {"password": PASSWORD})
    assert personas.bob.emailaddress_set.filter(email="bob.new@org-a.test", verified=False).exists()
