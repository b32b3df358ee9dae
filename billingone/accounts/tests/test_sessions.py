"""Sessions section: own sessions only, revoke one / all others, re-auth, timeout policy shown."""

from __future__ import annotations

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from django.test import Client
from django.utils import timezone

from billingone.audit.models import AuditEvent
from billingone.testing.personas import PASSWORD

URL = "/org-a/settings/sessions/"
CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
)
FIREFOX_WIN = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"


def browser_login(user, user_agent: str = CHROME_MAC, ip: str = "127.0.0.1") -> Client:
    """A real sign-in through allauth's login form (records the session and the history)."""
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


@pytest.fixture
def two_devices(personas, fresh_cache):
    mac = browser_login(personas.alice)
    windows = browser_login(personas.alice, FIREFOX_WIN, "8.8.8.8")
    return mac, windows


def test_outsider_gets_404(personas, client_for):
    client = client_for(personas.charlie)
    assert client.get(URL).status_code == 404
    assert client.post(URL + "revoke-others/").status_code == 404
    assert client.post(URL + "1/revoke/").status_code == 404


def test_lists_own_sessions_with_device_location_and_this_device(personas, two_devices):
    mac, _ = two_devices
    browser_login(personas.bob)  # someone else's session is never listed
    html = mac.get(URL).content.decode()
    assert html.count("data-session-id=") == 2
    assert "Chrome on macOS" in html and "Firefox on Windows" in html
    assert "Local network" in html and "United States" in html and "8.8.8.8" in html
    assert html.count("This device") == 1


def test_revoking_a_session_signs_that_device_out_at_its_next_request(personas, two_devices):
    mac, windows = two_devices
    other = UserSession.objects.get(user=personas.alice, user_agent=FIREFOX_WIN)
    response = mac.post(f"{URL}{other.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == URL
    assert not UserSession.objects.filter(pk=other.pk).exists()
    response = windows.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert mac.get(URL).status_code == 200
    assert AuditEvent.objects.filter(action="session.revoke", actor=personas.alice).count() == 1


def test_revoking_another_users_session_is_404_and_changes_nothing(personas, two_devices):
    mac, _ = two_devices
    bob = browser_login(personas.bob)
    bobs = UserSession.objects.get(user=personas.bob)
    assert mac.post(f"{URL}{bobs.pk}/revoke/").status_code == 404
    assert mac.post(f"{URL}999999/revoke/").status_code == 404
    assert UserSession.objects.filter(pk=bobs.pk).exists()
    assert bob.get("/org-a/settings/profile/").status_code == 200


def test_sign_out_all_other_sessions(personas, two_devices):
    mac, windows = two_devices
    tablet = browser_login(personas.alice, "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) Safari/604.1")
    assert mac.post(URL + "revoke-others/").status_code == 302
    assert UserSession.objects.filter(user=personas.alice).count() == 1
    for gone in (windows, tablet):
        assert gone.get(URL).status_code == 302
    assert mac.get(URL).status_code == 200


def test_revoke_is_post_only_and_needs_recent_authentication(personas, two_devices):
    mac, _ = two_devices
    other = UserSession.objects.get(user=personas.alice, user_agent=FIREFOX_WIN)
    assert mac.get(f"{URL}{other.pk}/revoke/").status_code == 405
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=10)):
        response = mac.post(f"{URL}{other.pk}/revoke/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/reauthenticate/")
        assert UserSession.objects.filter(pk=other.pk).exists()
        # After re-entering the password, allauth replays the suspended POST.
        response = mac.post(response["Location"], {"password": PASSWORD})
        assert response.status_code == 302
        assert not UserSession.objects.filter(pk=other.pk).exists()


def test_timeout_policy_is_shown(personas, two_devices):
    mac, _ = two_devices
    personas.org_a.session_timeout_minutes = 15
    personas.org_a.save()
    html = mac.get(URL).content.decode()
    assert "idle for more than <strong>15 minutes</strong>" in html


def test_logout_kills_the_session_server_side(personas, fresh_cache):
    client = browser_login(personas.alice)
    cookie = client.cookies["sessionid"].value
    client.post("/accounts/logout/")
    replay = Client()
    replay.cookies["sessionid"] = cookie
    assert replay.get(URL).status_code == 302


def test_app_tokens_are_listed_and_revoked_from_the_web(personas, two_devices, app_client):
    mac, _ = two_devices
    phone = app_client()
    phone.login(personas.alice.email)
    assert phone.call("get", "/api/v1/me")[0].status_code == 200
    html = mac.get(URL).content.decode()
    assert "BillingOne app on iOS" in html
    token_session = UserSession.objects.get(user=personas.alice, session_key=phone.token)
    assert mac.post(f"{URL}{token_session.pk}/revoke/").status_code == 302
    assert phone.call("get", "/api/v1/me")[0].status_code == 401
