"""Xero's per-tenant limits (60 calls/minute, 5 concurrent, a daily budget) and the per-app
minute limit, enforced the way Xero does: 429 + Retry-After + X-Rate-Limit-Problem, and the
remaining budgets on every response."""

from __future__ import annotations

import math
import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass
class Budget:
    calls: deque = field(default_factory=deque)
    day: str = ""
    day_count: int = 0
    in_flight: int = 0


@dataclass
class Decision:
    allowed: bool
    problem: str = ""
    retry_after: int = 0


class Limits:
    def __init__(self, clock, *, per_minute=60, per_day=5000, concurrent=5, app_per_minute=10_000, window=60.0):
        self.clock = clock
        self.per_minute, self.per_day, self.concurrent = per_minute, per_day, concurrent
        self.app_per_minute, self.window = app_per_minute, window
        self.enabled = True
        self.lock = threading.Lock()
        self.tenants: dict[str, Budget] = {}
        self.app_calls: deque = deque()
        self.stats = Counter()
        self.max_in_flight = 0
        self.max_per_window = 0  # the most calls one tenant made inside any window (proof of pacing)

    def _budget(self, tenant_id: str, now: float) -> Budget:
        budget = self.tenants.setdefault(tenant_id, Budget())
        today = datetime.fromtimestamp(now, tz=UTC).strftime("%Y-%m-%d")
        if budget.day != today:
            budget.day, budget.day_count = today, 0
        while budget.calls and budget.calls[0] <= now - self.window:
            budget.calls.popleft()
        while self.app_calls and self.app_calls[0] <= now - self.window:
            self.app_calls.popleft()
        return budget

    def acquire(self, tenant_id: str) -> Decision:
        with self.lock:
            now = self.clock()
            budget = self._budget(tenant_id, now)
            decision = self._check(budget, now)
            if not decision.allowed:
                self.stats["429:" + decision.problem] += 1
                return decision
            budget.calls.append(now)
            self.max_per_window = max(self.max_per_window, len(budget.calls))
            self.app_calls.append(now)
            budget.day_count += 1
            budget.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, budget.in_flight)
            self.stats["calls"] += 1
            return decision

    def _check(self, budget: Budget, now: float) -> Decision:
        if not self.enabled:
            return Decision(True)
        if budget.day_count >= self.per_day:
            midnight = datetime.fromtimestamp(now, tz=UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            return Decision(False, "day", max(1, math.ceil(midnight.timestamp() + 86400 - now)))
        if budget.in_flight >= self.concurrent:
            return Decision(False, "concurrent", 1)
        if len(budget.calls) >= self.per_minute:
            return Decision(False, "minute", max(1, math.ceil(budget.calls[0] + self.window - now)))
        if len(self.app_calls) >= self.app_per_minute:
            return Decision(False, "appminute", max(1, math.ceil(self.app_calls[0] + self.window - now)))
        return Decision(True)

    def release(self, tenant_id: str) -> None:
        with self.lock:
            budget = self.tenants.get(tenant_id)
            if budget and budget.in_flight:
                budget.in_flight -= 1

    def headers(self, tenant_id: str) -> dict[str, str]:
        with self.lock:
            now = self.clock()
            budget = self._budget(tenant_id, now)
            return {
                "X-DayLimit-Remaining": str(max(0, self.per_day - budget.day_count)),
                "X-MinLimit-Remaining": str(max(0, self.per_minute - len(budget.calls))),
                "X-AppMinLimit-Remaining": str(max(0, self.app_per_minute - len(self.app_calls))),
            }

    def use_day_budget(self, tenant_id: str, calls: int) -> None:
        """Pretend `calls` were already made today (tests of the daily budget)."""
        with self.lock:
            self._budget(tenant_id, self.clock()).day_count += calls
