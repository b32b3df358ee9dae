"""The Integrations page and GET /integrations read every provider's state in one query of
runs, the same at 2 runs as at 200; each provider gets its own run in flight and last run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from billingone.integrations.models import Connection, SyncRun
from billingone.integrations.state import integration_states
from billingone.testing.queries import assert_flat

pytestmark = pytest.mark.django_db


@pytest.fixture
def connections(personas):
    return {
        key: Connection.objects.create(organization=personas.org_a, provider=key, status="connected")
        for key in ("pax8", "xero")
    }


def add_runs(connections, count: int, provider: str = "pax8", status: str = "succeeded", ago: int = 60) -> list:
    now = timezone.now()
    connection = connections[provider]
    return SyncRun.objects.bulk_create(
        SyncRun(
            organization=connection.organization,
            connection=connection,
            provider=provider,
            trigger="schedule",
            status=status,
            queued_at=now - timedelta(minutes=ago + n),
            finished_at=None if status in SyncRun.ACTIVE else now - timedelta(minutes=ago + n - 1),
        )
        for n in range(count)
    )


@pytest.mark.parametrize("path", ["/org-a/settings/integrations/", "/api/v1/orgs/org-a/integrations"])
def test_flat_as_runs_pile_up(personas, client_for, connections, path):
    add_runs(connections, 1)
    add_runs(connections, 1, provider="xero")
    client = client_for(personas.alice)
    assert_flat(
        client, path, lambda: (add_runs(connections, 100, ago=200), add_runs(connections, 100, "xero", ago=200))
    )


def test_each_provider_gets_its_run_in_flight_and_its_last_finished_run(
    personas, connections, django_assert_num_queries
):
    newest_pax8 = add_runs(connections, 3, ago=10)[0]
    add_runs(connections, 50, ago=100, status="failed")
    running_pax8 = add_runs(connections, 1, status="running", ago=1)[0]
    newest_xero = add_runs(connections, 2, provider="xero", ago=30)[0]
    with django_assert_num_queries(2):  # connections, runs
        states = {state.provider.key: state for state in integration_states(personas.org_a)}
    assert states["pax8"].active_run == running_pax8 and states["pax8"].last_finished == newest_pax8
    assert states["xero"].active_run is None and states["xero"].last_finished == newest_xero
