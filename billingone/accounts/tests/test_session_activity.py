"""Signed-in requests stay cheap: session activity is written at most once a minute, the policy
facts live in the session until a policy changes, and background polls do not extend a session."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billingone.accounts.activity import POLL_HEADER
from billingone.accounts.tests.test_sessions import browser_login
from billingone.orgs.models import Membership, Organization

PAGE = "/org-a/settings/profile/"
BELL = "/org-a/notifications/badge/"
POLL = {POLL_HEADER: "1"}

pytestmark = pytest.mark.usefixtures("fresh_cache")


def at(start, seconds: float):
    return time_machine.travel(start + timedelta(seconds=seconds), tick=False)


def statements(client, path: str, **headers) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, headers=headers)
    assert response.status_code == 200, response.status_code
    return len(queries), [query["sql"] for query in queries]


def writes(sql: list[str]) -> list[str]:
    return [s for s in sql if s.startswith(("UPDATE", "INSERT", "DELETE"))]


def other_device_session(user) -> None:
    device = Client()
    device.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    key = device.cookies[settings.SESSION_COOKIE_NAME].value
    UserSession.objects.create(user=user, session_key=key, ip="198.51.100.7", user_agent="Firefox")


def test_a_signed_in_request_costs_session_and_user_only_between_activity_writes(personas):
    start = timezone.now()
    with at(start, 0):
        client = browser_login(personas.bob)
        client.get(PAGE)
    with at(start, 20):
        count, sql = statements(client, BELL)
    # The session, the user, the tenancy gate's membership and the unread count; nothing written.
    assert count == 4, sql
    assert writes(sql) == []


def test_activity_is_written_at_most_once_a_minute(personas):
    start = timezone.now()
    with at(start, 0):
        client = browser_login(personas.bob)
        client.get(PAGE)
    tracked = UserSession.objects.get(user=personas.bob)
    with at(start, 30):
        assert writes(statements(client, PAGE)[1]) == []
    assert UserSession.objects.get(pk=tracked.pk).last_seen_at == tracked.last_seen_at
    with at(start, 90):
        written = writes(statements(client, PAGE)[1])
    assert any("usersessions_usersession" in s for s in written)
    assert UserSession.objects.get(pk=tracked.pk).last_seen_at == start + timedelta(seconds=90)


def test_the_same_cost_whatever_the_number_of_organizations_and_sessions(personas):
    client = browser_login(personas.bob)
    client.get(PAGE)
    few = statements(client, BELL)[0]
    for n in range(30):
        organization = Organization.objects.create(name=f"Extra {n}", slug=f"extra-{n}")
        Membership.objects.create(user=personas.bob, organization=organization, role="viewer")
        other_device_session(personas.bob)
    client.get(PAGE)  # the memberships moved the policy version: recomputed once, here
    assert statements(client, BELL)[0] == few


def test_a_new_org_timeout_applies_to_live_sessions_at_once(personas):
    start = timezone.now()
    with at(start, 0):
        client = browser_login(personas.bob)
        client.get(PAGE)
    personas.org_a.session_timeout_minutes = 5
    personas.org_a.save(update_fields=["session_timeout_minutes"])
    with at(start, 6 * 60):
        response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_require_mfa_reaches_live_sessions_and_enrolment_releases_them(personas):
    client = browser_login(personas.bob)
    assert client.get(PAGE).status_code == 200
    personas.org_a.require_mfa = True
    personas.org_a.save()
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"] == "/accounts/security/enrol/"
    Authenticator.objects.create(user=personas.bob, type=Authenticator.Type.TOTP, data={})
    assert client.get(PAGE).status_code == 200


@pytest.fixture
def fifteen_minutes(personas):
    personas.org_a.session_timeout_minutes = 15
    personas.org_a.save()
    return personas


def test_background_polls_do_not_keep_an_idle_session_alive(fifteen_minutes):
    start = timezone.now()
    with at(start, 0):
        client = browser_login(fifteen_minutes.bob)
        client.get(PAGE)
    for minute in range(1, 15):  # the bell polls all along, nobody touches the page
        with at(start, minute * 60):
            assert client.get(BELL, headers=POLL).status_code == 200
    with at(start, 16 * 60):
        response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not UserSession.objects.filter(user=fifteen_minutes.bob).exists()


def test_a_persons_navigation_keeps_the_session_alive(fifteen_minutes):
    start = timezone.now()
    with at(start, 0):
        client = browser_login(fifteen_minutes.bob)
    with at(start, 10 * 60):
        assert client.get(BELL).status_code == 200  # not marked as a poll: a person's request
    with at(start, 16 * 60):
        assert client.get(PAGE).status_code == 200
    with at(start, 24 * 60):
        assert client.get(BELL, headers=POLL).status_code == 200
    with at(start, 32 * 60):
        assert client.get(PAGE).status_code == 302  # idle since minute 16


def test_the_bell_and_sync_progress_mark_their_polls(personas, client_for):
    html = client_for(personas.bob).get(PAGE).content.decode()
    assert f'hx-headers=\'{{"{POLL_HEADER}": "1"}}\'' in html
    from django.template.loader import get_template

    progress = get_template("integrations/_progress.html").template.source
    assert POLL_HEADER in progress
