"""GET /api/v1/me/sessions and DELETE /api/v1/me/sessions/{id}, and the Sessions page's cost:
one query over live sessions, paginated, the same at 3 sessions as at 40."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billingone.accounts.tests.test_sessions import FIREFOX_WIN, browser_login
from billingone.testing.personas import PASSWORD

API = "/api/v1/me/sessions"
PAGE = "/org-a/settings/sessions/"

pytestmark = pytest.mark.usefixtures("fresh_cache")


def add_sessions(user, count: int) -> None:
    """Other live sessions of `user` (as signed-in devices leave them), without the login form."""
    for n in range(count):
        device = Client()
        device.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        key = device.cookies[settings.SESSION_COOKIE_NAME].value
        UserSession.objects.create(user=user, session_key=key, ip=f"198.51.100.{n % 250}", user_agent=FIREFOX_WIN)


def count_statements(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = call()
    assert response.status_code == 200, response.content
    return len(queries)


def revoke(phone, session_id):
    """DELETE as the app (a 204 has no body for AppClient.call to parse)."""
    return phone.client.delete(f"{API}/{session_id}", HTTP_X_SESSION_TOKEN=phone.token)


@pytest.fixture
def phone(personas, app_client):
    device = app_client()
    assert device.login(personas.alice.email)[0].status_code == 200
    return device


def test_lists_web_sessions_and_app_tokens_with_device_location_and_this_device(personas, phone):
    browser_login(personas.alice, FIREFOX_WIN, "8.8.8.8")
    browser_login(personas.bob)  # never listed: not Alice's
    response, body = phone.call("get", API)
    assert response.status_code == 200
    items = body["items"]
    assert body["count"] == 2 and len(items) == 2
    this, web = items  # this device first
    assert this["current"] is True and this["kind"] == "app" and this["device"] == "BillingOne app on iOS"
    assert web == {
        "id": web["id"],
        "kind": "web",
        "device": "Firefox on Windows",
        "location": "United States",
        "ip": "8.8.8.8",
        "last_active": web["last_active"],
        "current": False,
    }


def test_the_browser_sees_its_own_session_as_current(personas, phone):
    browser = browser_login(personas.alice)
    items = browser.get(API).json()["items"]
    assert [(i["kind"], i["current"]) for i in items] == [("web", True), ("app", False)]


def test_ended_sessions_are_not_listed(personas, phone):
    add_sessions(personas.alice, 2)
    Session.objects.filter(session_key=UserSession.objects.filter(user=personas.alice).last().session_key).delete()
    assert phone.call("get", API)[1]["count"] == 2


def test_the_list_is_paginated(personas, phone):
    add_sessions(personas.alice, 4)
    first = phone.call("get", API + "?limit=2")[1]
    assert first["count"] == 5 and len(first["items"]) == 2 and first["items"][0]["current"]
    second = phone.call("get", f"{API}?limit=2&cursor={first['next']}")[1]
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}


def test_revoking_from_the_app_signs_that_device_out(personas, phone):
    browser = browser_login(personas.alice, FIREFOX_WIN)
    web = UserSession.objects.get(user=personas.alice, user_agent=FIREFOX_WIN)
    assert revoke(phone, web.pk).status_code == 204
    assert not UserSession.objects.filter(pk=web.pk).exists()
    assert browser.get(PAGE).status_code == 302  # its next request lands on the sign-in page
    assert phone.call("get", API)[0].status_code == 200


def test_a_revoked_app_token_answers_401(personas, phone, app_client):
    other_phone = app_client()
    other_phone.login(personas.alice.email)
    target = UserSession.objects.get(session_key=other_phone.token)
    assert revoke(phone, target.pk).status_code == 204
    assert other_phone.call("get", "/api/v1/me")[0].status_code == 401


def test_revoking_needs_a_recent_authentication_then_works_after_reauthenticating(personas, phone):
    browser_login(personas.alice, FIREFOX_WIN)
    web = UserSession.objects.get(user=personas.alice, user_agent=FIREFOX_WIN)
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        response = revoke(phone, web.pk)
        assert response.status_code == 401 and response.json()["error"]["code"] == "reauthentication_required"
        assert UserSession.objects.filter(pk=web.pk).exists()
        assert phone.call("post", "/auth/reauthenticate", {"password": PASSWORD})[0].status_code == 200
        assert revoke(phone, web.pk).status_code == 204


def test_someone_elses_or_a_malformed_id_is_404(personas, phone):
    browser_login(personas.bob)
    bobs = UserSession.objects.get(user=personas.bob)
    for session_id in (str(bobs.pk), "999999", "abc", "²", "9" * 40):
        response = revoke(phone, session_id)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found", session_id
    assert UserSession.objects.filter(pk=bobs.pk).exists()


def test_signed_out_callers_get_401(db):
    assert Client().get(API).status_code == 401


def test_the_app_list_costs_the_same_at_3_and_40_sessions(personas, phone):
    add_sessions(personas.alice, 2)
    phone.call("get", API)  # the token's first request reads its policy facts into the session
    few = count_statements(lambda: phone.client.get(API, HTTP_X_SESSION_TOKEN=phone.token))
    add_sessions(personas.alice, 37)
    many = count_statements(lambda: phone.client.get(API, HTTP_X_SESSION_TOKEN=phone.token))
    assert many == few <= 6


def test_the_sessions_page_costs_the_same_at_3_and_40_sessions(personas):
    browser = browser_login(personas.alice)
    add_sessions(personas.alice, 2)
    browser.get(PAGE)
    few = count_statements(lambda: browser.get(PAGE))
    add_sessions(personas.alice, 37)
    many = count_statements(lambda: browser.get(PAGE))
    assert many == few <= 12
    html = browser.get(PAGE).content.decode()
    assert html.count("data-session-id=") == 25 and "Page 1 of 2" in html


def test_allauths_own_app_session_list_costs_the_same_at_3_and_40_sessions(personas, phone):
    url = "/_allauth/app/v1/auth/sessions"
    add_sessions(personas.alice, 2)
    phone.client.get(url, HTTP_X_SESSION_TOKEN=phone.token)
    few = count_statements(lambda: phone.client.get(url, HTTP_X_SESSION_TOKEN=phone.token))
    add_sessions(personas.alice, 37)
    Session.objects.filter(session_key=UserSession.objects.filter(user=personas.alice).last().session_key).delete()
    response = phone.client.get(url, HTTP_X_SESSION_TOKEN=phone.token)
    assert len(response.json()["data"]) == 39  # 40 sessions, the ended one swept, not listed
    assert count_statements(lambda: phone.client.get(url, HTTP_X_SESSION_TOKEN=phone.token)) == few <= 12
