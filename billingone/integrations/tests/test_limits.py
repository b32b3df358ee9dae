"""Named budgets of SECURITY.md #41 for integrations: Test Connection attempts and the Sync now cooldown."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from billingone.integrations.models import SyncRun
from billingone.integrations.testing import PAX8_GOOD, connect_pax8
from billingone.testing.tasks import run_pending_tasks

CONFIGURE = "/org-a/settings/integrations/pax8/"
SYNC_API = "/api/v1/orgs/org-a/integrations/pax8/sync"


@pytest.fixture
def cooldown(settings):
    settings.SYNC_NOW_COOLDOWN_SECONDS = 30


def test_test_connection_attempts_are_limited_per_integration(pax8_sim, personas, client_for, settings):
    settings.INTEGRATION_TEST_CONNECTION_LIMIT = 3
    client = client_for(personas.alice)
    for _ in range(3):
        assert client.post(CONFIGURE, {**PAX8_GOOD, "action": "test"}).status_code == 200
    calls = pax8_sim.stats.token_requests
    refused = client.post(CONFIGURE, {**PAX8_GOOD, "action": "test"})
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 600
    assert "Too many connection tests" in refused.content.decode()
    assert pax8_sim.stats.token_requests == calls  # refused before calling Pax8
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert client.post(CONFIGURE, {**PAX8_GOOD, "action": "test"}).status_code == 200


def test_sync_now_has_a_cooldown_per_integration(pax8_sim, personas, app_token, cooldown):
    connect_pax8(personas.alice, personas.org_a)
    app = Client(HTTP_X_SESSION_TOKEN=app_token(personas.alice))
    assert app.post(SYNC_API, "{}", content_type="application/json").status_code == 202
    run_pending_tasks()
    again = app.post(SYNC_API, "{}", content_type="application/json")
    assert again.status_code == 429 and again.json()["error"]["code"] == "rate_limited"
    assert 0 < int(again["Retry-After"]) <= 30
    assert SyncRun.objects.filter(organization=personas.org_a).count() == 1
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        assert app.post(SYNC_API, "{}", content_type="application/json").status_code == 202


def test_the_schedule_is_not_held_back_by_the_cooldown(pax8_sim, personas, app_token, cooldown):
    from billingone.integrations import flows

    connect_pax8(personas.alice, personas.org_a)
    app = Client(HTTP_X_SESSION_TOKEN=app_token(personas.alice))
    assert app.post(SYNC_API, "{}", content_type="application/json").status_code == 202
    run_pending_tasks()
    run = flows.request_sync(personas.org_a, "pax8", trigger=SyncRun.Trigger.SCHEDULE)
    assert run.status == SyncRun.Status.QUEUED
