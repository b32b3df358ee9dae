"""The provider rate budgets every process shares: kept in Django's cache, which is Redis when
REDIS_URL is set and the database's cache table otherwise (settings.CACHES). lib/budget.py holds
the counting; this module only makes one account's update atomic across processes."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from django.core.cache import caches
from django.db import DatabaseError

from billingone.lib.budget import AccountState, MemoryBudgetStore

logger = logging.getLogger(__name__)

LOCK_SECONDS = 5  # a holder that died releases the account after this
WAIT_FOR_LOCK_SECONDS = 5.0
STATE_SECONDS = 24 * 3600


class BudgetLockTimeout(RuntimeError):
    pass


class SharedBudgetStore:
    """A BudgetStore over the cache: a short lock per account (an atomic add: SET NX on Redis, an
    INSERT on the cache table), then read, change and write the account's state."""

    def __init__(
        self,
        alias: str = "budgets",
        *,
        sleep: Callable[[float], None] = time.sleep,
        wait_for_lock: float = WAIT_FOR_LOCK_SECONDS,
    ):
        self.alias, self.sleep, self.wait_for_lock = alias, sleep, wait_for_lock
        self.local = MemoryBudgetStore()  # this process's own count, when the shared one is out of reach

    def update(self, account: str, change: Callable[[AccountState], float | None]) -> float | None:
        """Count in the shared store; if it stays busy (SQLite's one writer during a large sync)
        or fails, count in this process instead: a sync slows to one process's budget, never stops."""
        try:
            return self._shared_update(account, change)
        except (BudgetLockTimeout, DatabaseError) as exc:
            logger.warning("rate budget counted in this process", extra={"account": account, "why": str(exc)})
            return self.local.update(account, change)

    def _shared_update(self, account: str, change: Callable[[AccountState], float | None]) -> float | None:
        cache = caches[self.alias]
        key = f"ratebudget:{account}"
        holder = self._lock(cache, key + ":lock")
        try:
            state = cache.get(key)
            if not isinstance(state, AccountState):
                state = AccountState()
            result = change(state)
            cache.set(key, state, STATE_SECONDS)
            return result
        finally:
            if cache.get(key + ":lock") == holder:
                cache.delete(key + ":lock")

    def _lock(self, cache, lock_key: str) -> str:
        holder = uuid.uuid4().hex
        deadline = time.monotonic() + self.wait_for_lock
        delay = 0.001
        while not cache.add(lock_key, holder, LOCK_SECONDS):
            if time.monotonic() > deadline:
                raise BudgetLockTimeout(f"the rate budget {lock_key} stayed locked")
            self.sleep(delay)
            delay = min(delay * 2, 0.02)
        return holder
