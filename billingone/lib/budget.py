"""Rate budgets of provider accounts: how many calls may start now, counted so that no window of
the provider's period ever sees more than the budget, whichever process sends them.

A call counts from the moment it is admitted until `period` seconds after it *ended*: the provider
receives it somewhere between the two, so counting to the end (not the start) keeps every window
the provider measures within the budget, whatever the network delay. A window is closed at both
ends ([t, t + period]), the strictest way a provider can count.

The state of one account lives in a BudgetStore: in this process (MemoryBudgetStore), or shared by
every worker and web process (integrations/budgets.py passes one in: Redis or the database).
"""

from __future__ import annotations

import math
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

EPSILON = 0.001  # wait just past the instant an old call leaves the window
STALE_OPEN_SECONDS = 600.0  # an admitted call never reported as ended (its process died) stops counting
POLL_SECONDS = 0.01


@dataclass(frozen=True)
class Rate:
    """`calls` per `period` seconds kept within `calls * headroom`; at most `concurrency` in flight."""

    calls: int
    period: float
    concurrency: int
    headroom: float

    @property
    def budget(self) -> int:
        return max(1, math.floor(self.calls * self.headroom + 1e-9))


@dataclass
class AccountState:
    ends: list[float] = field(default_factory=list)  # when admitted calls ended
    open: dict[str, float] = field(default_factory=dict)  # ticket → when the call was admitted
    paused_until: float = 0.0


def admit(state: AccountState, rate: Rate, now: float, ticket: str) -> float:
    """0 and the call is admitted (recorded under `ticket`), or the seconds to wait first."""
    state.ends = [end for end in state.ends if end >= now - rate.period]
    state.open = {t: started for t, started in state.open.items() if started > now - STALE_OPEN_SECONDS}
    waits = [state.paused_until - now]
    if len(state.ends) + len(state.open) >= rate.budget:
        waits.append(min(state.ends) + rate.period - now + EPSILON if state.ends else POLL_SECONDS)
    if len(state.open) >= rate.concurrency:
        waits.append(POLL_SECONDS)
    wait = max(waits)
    if wait <= 0:
        state.open[ticket] = now
        return 0.0
    return wait


def finish(state: AccountState, ticket: str, now: float) -> None:
    if state.open.pop(ticket, None) is not None:
        state.ends.append(now)


def pause(state: AccountState, until: float) -> None:
    state.paused_until = max(state.paused_until, until)


class BudgetStore(Protocol):
    """Applies one of the functions above to an account's state, atomically, and returns its result."""

    def update(self, account: str, change: Callable[[AccountState], float | None]) -> float | None: ...


class MemoryBudgetStore:
    """One process's budgets (tests, the benchmarks, a single-process deployment)."""

    def __init__(self) -> None:
        self.states: dict[str, AccountState] = {}
        self._lock = threading.Lock()

    def update(self, account: str, change: Callable[[AccountState], float | None]) -> float | None:
        with self._lock:
            return change(self.states.setdefault(account, AccountState()))


def new_ticket() -> str:
    return uuid.uuid4().hex
