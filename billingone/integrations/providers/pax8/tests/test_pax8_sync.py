"""Pax8 beyond the shared fault suite: data changing between pages, rejected and forbidden
credentials, its rate limit, a run killed mid-way, the token cache. Every fault the run rides
out or fails on (the shared vocabulary) is in test_pax8_faults.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from billingone.billing.models import Subscription
from billingone.integrations import runner
from billingone.integrations.models import Connection, SyncRun
from billingone.integrations.providers.pax8.testing import connect_pax8, running_pax8
from billingone.integrations.signals import sync_run_failed
from billingone.integrations.testing import membership_of
from billingone.testing.tasks import run_pending_tasks

SUBSCRIPTIONS = 450  # three pages of 200: faults can hit a page in the middle of a scan
PRODUCTS, COMPANIES = 30, 12


@pytest.fixture
def big_sim(settings):
    with running_pax8(settings, subscriptions=SUBSCRIPTIONS) as sim:
        yield sim


@pytest.fixture
def connected(big_sim, personas, settings):
    settings.SYNC_RETRY_BACKOFF_SECONDS = 0
    settings.SYNC_MAX_ATTEMPTS = 2
    connect_pax8(personas.alice, personas.org_a)
    return big_sim


@pytest.fixture
def failures():
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    sync_run_failed.connect(receiver)
    yield received
    sync_run_failed.disconnect(receiver)


def sync(personas) -> SyncRun:
    from billingone.integrations.flows import request_sync

    run = request_sync(
        personas.org_a, "pax8", trigger="person", membership=membership_of(personas.alice, personas.org_a)
    )
    run_pending_tasks()
    run.refresh_from_db()
    return run


def assert_complete(personas, expected: int = SUBSCRIPTIONS) -> None:
    rows = Subscription.objects.filter(source="pax8", organization=personas.org_a)
    assert rows.count() == expected
    assert rows.filter(removed_at__isnull=True).count() == expected
    assert rows.values("external_id").distinct().count() == expected


def test_a_page_changing_between_requests_loses_and_duplicates_nothing(connected, personas):
    connected.faults.add("page_change", path="/v1/subscriptions", after=1)
    run = sync(personas)
    assert run.status == "succeeded", run.error_message
    assert_complete(personas, SUBSCRIPTIONS + 1)
    assert run.removed == 0


def test_rejected_credentials_are_permanent_and_need_attention(connected, personas, failures):
    connected.credentials["demo-pax8-client"] = "rotated-in-pax8"
    from billingone.integrations.providers.pax8 import provider as pax8

    pax8._TOKENS.clear()
    run = sync(personas)
    assert run.status == "failed" and run.permanent and run.attempt == 1
    connection = Connection.objects.get(organization=personas.org_a)
    assert connection.status == Connection.Status.NEEDS_ATTENTION and "rejected" in connection.status_reason
    assert failures and failures[0]["permanent"] is True
    assert "rotated-in-pax8" not in run.error_message


def test_permission_missing_is_permanent(connected, personas):
    connected.forbidden_clients.add("demo-pax8-client")
    run = sync(personas)
    assert run.status == "failed" and run.permanent and run.error_code == "permission_missing"


def test_steady_state_never_provokes_a_429(big_sim, personas, settings):
    # The simulator enforces 4 calls per second; the limiter is told the same budget, and
    # the sync needs 6 calls (token + 1 + 1 + 3 pages): it has to wait, and never gets a 429.
    big_sim.rate_limit, big_sim.rate_period = 4, 1.0
    settings.PAX8_RATE_LIMIT_CALLS, settings.PAX8_RATE_LIMIT_PERIOD_SECONDS = 4, 1
    from billingone.integrations.base import NullProgress, ProviderContext
    from billingone.integrations.providers.pax8.provider import Pax8
    from billingone.integrations.providers.pax8.testing import PAX8_GOOD

    provider = Pax8(ProviderContext(organization=personas.org_a, credentials=dict(PAX8_GOOD), run_id=7))
    counts = provider.sync("full", NullProgress())
    assert counts.created == SUBSCRIPTIONS + COMPANIES + PRODUCTS
    assert big_sim.stats.rate_limited == 0
    assert provider.http.limiter.waited > 0
    assert big_sim.stats.by_path["/v1/subscriptions"] == 3  # the minimum: 450 rows / 200 per page


def test_a_429_from_the_provider_is_honoured(connected, personas, settings):
    # Misconfigured on purpose: we believe in 1000/min, the simulator allows 3 per second.
    connected.rate_limit, connected.rate_period = 3, 1.0
    run = sync(personas)
    assert run.status == "succeeded", run.error_message
    assert connected.stats.rate_limited > 0
    assert_complete(personas)


def test_a_run_killed_mid_way_is_marked_failed_and_the_next_run_completes(connected, personas, settings):
    from billingone.integrations.flows import request_sync
    from billingone.integrations.providers.pax8.provider import PAGE_SIZE

    run = request_sync(
        personas.org_a, "pax8", trigger="person", membership=membership_of(personas.alice, personas.org_a)
    )

    class Killed(BaseException):
        pass

    original = runner.RunProgress.advance

    def die_after_first_subscription_page(self, done=1, counts=None):
        original(self, done, counts)
        if self.done > COMPANIES + PRODUCTS + PAGE_SIZE:
            raise Killed  # the worker process dies: nothing after this line runs

    runner.RunProgress.advance = die_after_first_subscription_page
    try:
        with pytest.raises(Killed):
            runner.execute_run(run.pk)
    finally:
        runner.RunProgress.advance = original
    run.refresh_from_db()
    assert run.status == "running"
    partial = Subscription.objects.filter(source="pax8", organization=personas.org_a).count()
    assert 0 < partial < SUBSCRIPTIONS
    SyncRun.objects.filter(pk=run.pk).update(
        heartbeat_at=timezone.now() - timedelta(seconds=settings.SYNC_RUN_STALE_SECONDS + 1)
    )
    assert runner.reap_stale_runs() == 1
    run.refresh_from_db()
    assert run.status == "failed" and run.error_code == "worker_lost"
    assert Connection.objects.get(organization=personas.org_a).status == Connection.Status.ERROR
    from billingone.testing.tasks import run_pending_tasks as drain

    drain()  # the dead run's queued task finds nothing to claim
    again = sync(personas)
    assert again.status == "succeeded"
    assert_complete(personas)


def test_the_token_is_cached_for_24_h_and_renewed_before_it_expires(connected, personas):
    import time

    from billingone.integrations.base import ProviderContext
    from billingone.integrations.providers.pax8 import provider as pax8
    from billingone.integrations.providers.pax8.testing import PAX8_GOOD

    provider = pax8.Pax8(ProviderContext(organization=personas.org_a, credentials=dict(PAX8_GOOD)))
    before = connected.stats.token_requests
    token = provider.token()
    assert provider.token() == token and connected.stats.token_requests == before  # cached
    key = provider._token_key()
    pax8._TOKENS[key] = (token, time.monotonic() + pax8.TOKEN_MARGIN - 1)  # about to expire
    assert provider.token() != token
    assert connected.stats.token_requests == before + 1
