"""A delta sync asks Xero for changes with If-Modified-Since in UTC, and says so (a zone)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from billingone.integrations.providers.xero.testing import connect_xero
from billingone.integrations.testing import run_sync


def test_if_modified_since_carries_a_utc_zone(xero_sim, personas):
    connect_xero(personas.alice, personas.org_a, xero_sim)
    full = run_sync(personas.org_a, "xero", "full")
    assert full.status == "succeeded", full.error_message
    xero_sim.requests.clear()
    assert run_sync(personas.org_a, "xero", "delta").status == "succeeded"
    sent = [call["headers"]["If-Modified-Since"] for call in xero_sim.requests]
    assert sent
    for value in sent:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        assert moment.utcoffset() == timedelta(0), value  # a zone, and it is UTC
        assert abs(moment - full.started_at.astimezone(UTC)) < timedelta(minutes=5)
