"""The limiter's counting: the busiest window of the provider's period stays within the budget,
counting windows closed at both ends and calls that take time to reach the provider."""

from __future__ import annotations

from billingone.integrations.base import RateLimit
from billingone.lib.budget import MemoryBudgetStore, Rate
from billingone.lib.http import Limiter


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def busiest_closed_window(moments: list[float], period: float) -> int:
    """The most calls in any [t, t + period], both ends included (the strictest provider)."""
    return max(sum(1 for other in moments if start <= other <= start + period) for start in moments)


def test_the_busiest_minute_holds_the_95_percent_budget_not_one_more():
    clock = FakeClock()
    limiter = Limiter(RateLimit(calls=30, period=60.0), clock=clock, sleep=clock.sleep)
    assert limiter.budget == 28
    sent = []
    for _ in range(100):
        with limiter.slot():
            sent.append(clock.now)
    assert busiest_closed_window(sent, 60.0) == 28  # 28 of 28, never 29


def test_ten_per_second_keeps_nine():
    clock = FakeClock()
    limiter = Limiter(RateLimit(calls=10, period=1.0), clock=clock, sleep=clock.sleep)
    sent = []
    for _ in range(40):
        with limiter.slot():
            sent.append(clock.now)
    assert busiest_closed_window(sent, 1.0) == 9


def test_a_call_counts_until_a_period_after_it_ended():
    """A slow call reaches the provider at any moment before it ends: until a period after that
    end it may share a provider window with new calls."""
    clock = FakeClock()
    limiter = Limiter(RateLimit(calls=10, period=1.0), clock=clock, sleep=clock.sleep)
    arrivals = []
    for _ in range(30):
        with limiter.slot():
            clock.now += 0.3  # in flight for 300 ms; the provider sees it as it ends (the worst case)
            arrivals.append(clock.now)
    assert busiest_closed_window(arrivals, 1.0) <= 9


def test_limiters_of_two_processes_share_one_store():
    clock, shared = FakeClock(), MemoryBudgetStore()
    first = Limiter(RateLimit(calls=10, period=1.0), account="pax8:a", store=shared, clock=clock, sleep=clock.sleep)
    second = Limiter(RateLimit(calls=10, period=1.0), account="pax8:a", store=shared, clock=clock, sleep=clock.sleep)
    sent = []
    for index in range(40):
        with (first if index % 2 else second).slot():
            sent.append(clock.now)
    assert busiest_closed_window(sent, 1.0) == 9


def test_budget_rounds_down_and_never_below_one():
    assert Rate(30, 60.0, 4, 0.95).budget == 28
    assert Rate(20, 1.0, 4, 0.95).budget == 19
    assert Rate(1, 1.0, 1, 0.95).budget == 1
