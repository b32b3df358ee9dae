"""One rate budget per provider account for every process: two worker processes calling one
simulator together stay under its limit, with no 429."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from billingone.integrations.providers.pax8.simulator.server import Pax8Simulator

ROOT = Path(__file__).resolve().parents[3]
CALLS_PER_WORKER = 14
LIMIT, PERIOD = 10, 1.0  # the simulator's limit; we keep 95%: 9 calls per second

WORKER = """
import json, sys, django
django.setup()
from billingone.integrations.base import RateLimit
from billingone.lib.http import ProviderClient
token_url = sys.argv[1]
body = {"client_id": "demo-pax8-client", "client_secret": "demo-pax8-secret-0123456789",
        "audience": "api://p8p.client", "grant_type": "client_credentials"}
rate = RateLimit(int(sys.argv[2]), float(sys.argv[3]))
client = ProviderClient(provider="Pax8", account_key="demo-pax8-client", rate_limit=rate,
                        allowed_urls=[token_url], max_retries=0)
statuses = [client.request("POST", token_url, json=body).status_code for _ in range(int(sys.argv[4]))]
print(json.dumps({"statuses": statuses, "rate_limited": client.stats.rate_limited}))
"""


def worker_env(var_dir: Path, sim: Pax8Simulator) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        BILLINGONE_ENV="development",  # the deployed configuration: budgets in the cache table
        BILLINGONE_VAR_DIR=str(var_dir),  # one SQLite database (and its cache table) for both workers
        DJANGO_SETTINGS_MODULE="billingone.settings",
        INTEGRATION_SIMULATOR_HOSTS=f"127.0.0.1:{sim.port}",
        PYTHONPATH=str(ROOT),
    )
    return env


def test_two_workers_share_one_budget_and_see_no_429(tmp_path):
    with Pax8Simulator(port=0, rate_limit=LIMIT, rate_period=PERIOD) as sim:
        env = worker_env(tmp_path, sim)
        # The workers share only the cache table (the budget store when REDIS_URL is not set).
        subprocess.run([sys.executable, "manage.py", "createcachetable"], cwd=ROOT, env=env, check=True, timeout=60)
        workers = [
            subprocess.Popen(
                [sys.executable, "-c", WORKER, sim.token_url, str(LIMIT), str(PERIOD), str(CALLS_PER_WORKER)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        results = [json.loads(worker.communicate(timeout=120)[0].strip().splitlines()[-1]) for worker in workers]
        stats = sim.stats
    assert [r["statuses"] for r in results] == [[200] * CALLS_PER_WORKER] * 2
    assert stats.rate_limited == 0 and sum(r["rate_limited"] for r in results) == 0
    assert stats.peak(PERIOD) <= 9  # 95% of the simulator's 10 per second, across both processes


def test_the_shared_store_counts_for_every_limiter_of_an_account(db):
    """Two limiters (as in two processes) over the database cache table: one budget between them."""
    from billingone.integrations.base import RateLimit
    from billingone.integrations.budgets import SharedBudgetStore
    from billingone.lib.http import Limiter

    class Clock:
        now = 5000.0

        def __call__(self):
            return self.now

        def sleep(self, seconds):
            self.now += seconds

    clock, store = Clock(), SharedBudgetStore(alias="default")
    limiters = [
        Limiter(RateLimit(10, 1.0), account="pax8:shared", store=store, clock=clock, sleep=clock.sleep) for _ in "ab"
    ]
    sent = []
    for index in range(30):
        with limiters[index % 2].slot():
            sent.append(clock.now)
    assert max(sum(1 for t in sent if start <= t <= start + 1.0) for start in sent) == 9


def test_a_shared_store_that_stays_locked_counts_in_the_process_instead(db):
    from django.core.cache import caches

    from billingone.integrations.budgets import SharedBudgetStore
    from billingone.lib.budget import AccountState

    store = SharedBudgetStore("default", wait_for_lock=0.05)
    caches["default"].add("ratebudget:stuck:lock", "someone-else", 60)  # a holder that never lets go

    def count(state: AccountState) -> float:
        state.paused_until = 42.0
        return 0.0

    assert store.update("stuck", count) == 0.0  # answered, not raised: the sync goes on
    assert store.local.states["stuck"].paused_until == 42.0
