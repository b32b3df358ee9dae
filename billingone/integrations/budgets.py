"""The provider rate budgets every process shares: kept in Django's cache, which is Redis when
REDIS_URL is set and the database's cache table otherwise (settings.CACHES). lib/budget.py holds
the counting; this module only makes one account's update atomic across processes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from django.core.cache import caches

from billingone.lib.budget import AccountState

LOCK_SECONDS = 5  # a holder that died releases the account after this
WAIT_FOR_LOCK_SECONDS = 30.0
STATE_SECONDS = 24 * 3600


class BudgetLockTimeout(RuntimeError):
    pass


class SharedBudgetStore:
    """A BudgetStore over the cache: a short lock per account (an atomic add: SET NX on Redis, an
    INSERT on the cache table), then read, change and write the account's state."""

    def __init__(self, alias: str = "budgets", *, sleep: Callable[[float], None] = time.sleep):
        self.alias, self.sleep = alias, sleep

    def update(self, account: str, change: Callable[[AccountState], float | None]) -> float | None:
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
        deadline = time.monotonic() + WAIT_FOR_LOCK_SECONDS
        delay = 0.001
        while not cache.add(lock_key, holder, LOCK_SECONDS):
            if time.monotonic() > deadline:
                raise BudgetLockTimeout(f"the rate budget {lock_key} stayed locked")
            self.sleep(delay)
            delay = min(delay * 2, 0.02)
        return holder
