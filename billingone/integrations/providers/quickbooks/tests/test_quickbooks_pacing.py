"""The client keeps under QuickBooks' throttles on its own: many callers of one company, a
budget and a concurrency limit, and not one 429 (the same limiter runs with 500 a minute and
10 in flight against the real service; here the window is two seconds to keep the test short)."""

from __future__ import annotations

import threading
import time

from billingone.integrations.base import RateLimit
from billingone.integrations.providers.quickbooks.client import QuickBooksApi
from billingone.integrations.providers.quickbooks.testing import credentials_for, start_simulator, wire


def test_many_callers_stay_under_the_budget_and_concurrency_with_no_429(settings):
    # 12 a window at the simulator, a budget of 9 at the client: at a two-second scale the 5%
    # headroom of 500 a minute (25 calls) becomes three calls, room for loopback jitter.
    sim = start_simulator(per_minute=12, concurrent=3, window=2.0)
    try:
        wire(settings, sim)
        credentials = credentials_for(sim)
        sim.faults.add("timeout", seconds=0.2, times=1000)  # every answer takes a while: callers overlap
        api = QuickBooksApi(
            credentials, credentials["account_id"], dict, rate_limit=RateLimit(calls=10, period=2.0, concurrency=3)
        )
        started = time.monotonic()
        threads = [threading.Thread(target=lambda: [api.company_info() for _ in range(5)]) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        state = sim.limits.snapshot()
        assert state["calls"] == 30 and state["rate_limited"] == {} and api.http.stats.rate_limited == 0
        assert state["max_in_flight"] <= 3
        assert time.monotonic() - started >= 4.0  # 30 calls at 9 per 2 s need four windows
    finally:
        sim.stop()
