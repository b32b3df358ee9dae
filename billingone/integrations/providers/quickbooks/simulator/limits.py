"""QuickBooks' throttles per company (PROVIDERS.md §3.6): 500 requests a minute and 10 in
flight per realm. Past either, QBO answers 429 with a ThrottleExceeded Fault (code 003001); the
simulator adds Retry-After (seconds until the minute window frees a slot)."""

from __future__ import annotations

import math
import threading
from collections import Counter, deque
from dataclasses import dataclass, field


@dataclass
class Budget:
    calls: deque = field(default_factory=deque)
    in_flight: int = 0


@dataclass
class Decision:
    allowed: bool
    problem: str = ""
    retry_after: int = 0


class Limits:
    def __init__(self, clock, *, per_minute: int = 500, concurrent: int = 10, window: float = 60.0):
        self.clock = clock
        self.per_minute, self.concurrent, self.window = per_minute, concurrent, window
        self.enabled = True
        self.lock = threading.Lock()
        self.realms: dict[str, Budget] = {}
        self.stats: Counter = Counter()
        self.max_in_flight = 0
        self.max_per_window = 0  # the most calls one realm made inside any window

    def acquire(self, realm_id: str) -> Decision:
        with self.lock:
            now = self.clock()
            budget = self.realms.setdefault(realm_id, Budget())
            while budget.calls and budget.calls[0] <= now - self.window:
                budget.calls.popleft()
            decision = self._check(budget, now)
            if not decision.allowed:
                self.stats["429:" + decision.problem] += 1
                return decision
            budget.calls.append(now)
            budget.in_flight += 1
            self.max_per_window = max(self.max_per_window, len(budget.calls))
            self.max_in_flight = max(self.max_in_flight, budget.in_flight)
            self.stats["calls"] += 1
            return decision

    def _check(self, budget: Budget, now: float) -> Decision:
        if not self.enabled:
            return Decision(True)
        if budget.in_flight >= self.concurrent:
            return Decision(False, "concurrent", 1)
        if len(budget.calls) >= self.per_minute:
            return Decision(False, "minute", max(1, math.ceil(budget.calls[0] + self.window - now)))
        return Decision(True)

    def release(self, realm_id: str) -> None:
        with self.lock:
            budget = self.realms.get(realm_id)
            if budget and budget.in_flight:
                budget.in_flight -= 1

    def snapshot(self) -> dict:
        with self.lock:
            return {
                "calls": self.stats["calls"],
                "rate_limited": {k[4:]: v for k, v in self.stats.items() if k.startswith("429:")},
                "max_in_flight": self.max_in_flight,
                "max_calls_in_a_minute": self.max_per_window,
            }
