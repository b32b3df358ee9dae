"""Stripe's rate limits as the simulator enforces them (docs.stripe.com/rate-limits): per account
and mode, a global budget per second (100 live, 25 in a sandbox) and a per-endpoint budget (25
per second by default); past either, 429 with the `rate_limit` error."""

from __future__ import annotations

import threading
from collections import Counter, deque

LIVE_PER_SECOND = 100
TEST_PER_SECOND = 25
ENDPOINT_PER_SECOND = 25


class RateLimits:
    def __init__(self, clock, *, live=LIVE_PER_SECOND, test=TEST_PER_SECOND, endpoint=ENDPOINT_PER_SECOND):
        self.clock = clock
        self.global_limit = {True: live, False: test}
        self.endpoint_limit = endpoint
        self.enabled = True
        self.lock = threading.Lock()
        self.windows: dict[tuple, deque] = {}
        self.stats = Counter()
        self.busiest_second = 0  # the most calls one account+mode made inside one second

    def _window(self, key: tuple, now: float) -> deque:
        window = self.windows.setdefault(key, deque())
        while window and window[0] <= now - 1.0:
            window.popleft()
        return window

    def acquire(self, livemode: bool, endpoint: str) -> bool:
        """Count one call; False when it is over a limit (then it is not counted)."""
        with self.lock:
            now = self.clock()
            overall = self._window((livemode,), now)
            per_endpoint = self._window((livemode, endpoint), now)
            if self.enabled and (
                len(overall) >= self.global_limit[livemode] or len(per_endpoint) >= self.endpoint_limit
            ):
                self.stats["rate_limited"] += 1
                return False
            overall.append(now)
            per_endpoint.append(now)
            self.stats["calls"] += 1
            self.busiest_second = max(self.busiest_second, len(overall))
            return True
