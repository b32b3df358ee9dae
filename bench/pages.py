"""Benchmark: SQL statements and time of every list page and list endpoint at 10, 1,000 and
10,000 rows of its kind (seeded in bulk).

    python bench/pages.py [--sizes 10,1000,10000] [--only team,audit] [--runs 5]

Uses a throw-away test database: SQLite, or PostgreSQL when DATABASE_URL is set. Each page is
measured in its own transaction, rolled back afterwards, so one page's rows never weigh on
another's. Goal (issue "Fast at any size"): ≤ 12 statements everywhere, the same count at every
size, and the time at the largest size within 3× of the time at the smallest. Not a test: it
prints figures.

To add a page: one `Page(name, url builder, seeder)` line in PAGES; a seeder lives in
bench/seeds.py and tops its kind of row up to n with bulk_create.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billingone.settings")
os.environ.setdefault("BILLINGONE_ENV", "test")
os.environ.setdefault("LOG_LEVEL", "ERROR")  # 404s of a page not built yet are in the table already

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from bench import common, seeds  # noqa: E402

STATEMENT_BUDGET = 12
TIME_RATIO_BUDGET = 3.0


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[seeds.World], str]
    seed: Callable[[seeds.World, int], None]
    api: bool = False  # sent as the mobile app (X-Session-Token) instead of the browser session


def org(path: str) -> Callable[[seeds.World], str]:
    return lambda world: f"/{world.org.slug}/{path}"


def org_api(path: str) -> Callable[[seeds.World], str]:
    return lambda world: f"/api/v1/orgs/{world.org.slug}/{path}"


def fixed(path: str) -> Callable[[seeds.World], str]:
    return lambda world: path


PAGES = [
    Page("notifications feed (web)", org("notifications/"), seeds.seed_notifications),
    Page("notification bell (web poll)", org("notifications/badge/"), seeds.seed_notifications),
    Page("GET /me/notifications", fixed("/api/v1/me/notifications"), seeds.seed_notifications, api=True),
    Page("sessions (web)", org("settings/sessions/"), seeds.seed_sessions),
    Page("GET /me/sessions", fixed("/api/v1/me/sessions"), seeds.seed_sessions, api=True),
    Page("allauth app sessions", fixed("/_allauth/app/v1/auth/sessions"), seeds.seed_sessions, api=True),
    Page("team (web)", org("settings/team/"), seeds.seed_members),
    Page("GET /members", org_api("members"), seeds.seed_members, api=True),
    Page("GET /invitations", org_api("invitations"), seeds.seed_invitations, api=True),
    Page("audit (web)", org("settings/audit/"), seeds.seed_audit),
    Page("GET /audit-log", org_api("audit-log"), seeds.seed_audit, api=True),
    Page("integrations (web)", org("settings/integrations/"), seeds.seed_sync_runs),
    Page("GET /integrations", org_api("integrations"), seeds.seed_sync_runs, api=True),
    Page("GET /sync-runs", org_api("sync-runs"), seeds.seed_sync_runs, api=True),
    Page("security (web)", org("settings/security/"), seeds.seed_login_events),
    Page("GET /me/login-history", fixed("/api/v1/me/login-history"), seeds.seed_login_events, api=True),
    Page("subscriptions (web)", org("subscriptions/"), seeds.seed_billing),
    Page("GET /subscriptions", org_api("subscriptions"), seeds.seed_billing, api=True),
    Page("invoices (web)", org("invoices/"), seeds.seed_billing),
    Page("GET /invoices", org_api("invoices"), seeds.seed_billing, api=True),
    Page("clients (web)", org("clients/"), seeds.seed_billing),
    Page("GET /clients", org_api("clients"), seeds.seed_billing, api=True),
    Page("dashboard (web)", org(""), seeds.seed_dashboard),
    Page("GET /dashboard", org_api("dashboard"), seeds.seed_dashboard, api=True),
]


@dataclass
class Measure:
    status: int
    statements: int
    seconds: float
    size: int


def app_token(user) -> str:
    from billingone.testing.personas import PASSWORD

    response = Client().post(
        "/_allauth/app/v1/auth/login", {"email": user.email, "password": PASSWORD}, content_type="application/json"
    )
    return response.json()["meta"]["session_token"]


def measure(client: Client, url: str, headers: dict, runs: int) -> Measure:
    client.get(url, headers=headers)  # warm caches (templates, url resolvers, lru caches)
    counter = common.StatementCounter()
    with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(counter):
        response = client.get(url, headers=headers)
    # The query log (what pytest's query assertions count, COMMITs included) keeps 9,000 entries;
    # past that, the execute wrapper's count.
    logged = len(queries)  # read now: the next request clears the log
    statements = logged if logged < connection.queries_log.maxlen else counter.count
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url, headers=headers)
        times.append(time.perf_counter() - started)
    return Measure(response.status_code, statements, statistics.median(times), len(response.content))


def bench_page(page: Page, world: seeds.World, sizes: list[int], runs: int) -> list[Measure]:
    results = []
    with transaction.atomic():
        client = Client()
        if page.api:
            headers = {"X-Session-Token": app_token(world.user), "User-Agent": seeds.USER_AGENTS[2]}
        else:
            client.force_login(world.user, backend="django.contrib.auth.backends.ModelBackend")
            headers = {"User-Agent": seeds.USER_AGENTS[0]}
        for size in sizes:
            page.seed(world, size)
            results.append(measure(client, page.url(world), headers, runs))
        transaction.set_rollback(True)
    world.counts.clear()
    return results


def verdict(measures: list[Measure]) -> str:
    counts = {m.statements for m in measures}
    ratio = measures[-1].seconds / measures[0].seconds
    problems = []
    if max(counts) > STATEMENT_BUDGET:
        problems.append(f"> {STATEMENT_BUDGET} statements")
    if len(counts) > 1:
        problems.append("count grows")
    if ratio > TIME_RATIO_BUDGET:
        problems.append(f"time × {ratio:.0f}")
    if any(m.status != 200 for m in measures):
        problems.append("status " + "/".join(str(m.status) for m in measures))
    return "ok" if not problems else "MISS: " + ", ".join(problems)


def report(page: Page, measures: list[Measure]) -> None:
    statements = " / ".join(str(m.statements) for m in measures)
    ms = " / ".join(f"{m.seconds * 1000:.0f}" for m in measures)
    ratio = measures[-1].seconds / measures[0].seconds
    size = f"{measures[-1].size / 1024:.0f} kB"
    print(f"{page.name:<32} {statements:>20}  {ms:>22}  ×{ratio:<6.1f} {size:>8}  {verdict(measures)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10,1000,10000")
    parser.add_argument("--only", default="", help="comma-separated words; pages whose name contains one")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(value) for value in args.sizes.split(",")]
    words = [word.strip() for word in args.only.split(",") if word.strip()]
    from billingone.testing.personas import make_personas

    world = seeds.World(make_personas())
    sizes_label = " / ".join(f"{size:,}" for size in sizes)
    print(f"List pages on {connection.vendor}, rows {sizes_label}: statements, ms (median of {args.runs})")
    print(f"{'page':<32} {'statements':>20}  {'ms':>22}  {'ratio':<7} {'body':>8}  verdict")
    for page in PAGES:
        if not words or any(word in page.name for word in words):
            report(page, bench_page(page, world, sizes, args.runs))


if __name__ == "__main__":
    setup_test_environment()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = ["testserver"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        main()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
