"""Benchmark: a full Xero sync of 100,000 invoices against the simulator with Xero's limits on
(60 calls/minute, 5 in flight, 5,000/day), then a delta sync after 1% of invoices changed.

    python bench/xero_sync.py [--invoices 100000] [--port 8590] [--no-memory]

Prints calls made vs the minimum (pages at 1,000 per page), calls per minute achieved vs
allowed, 429s received, rows per second, max RSS and SQL statements per 1,000 rows. Peak
Python heap comes from a separate full sync with tracemalloc on (tracing slows every
allocation, so the timed pass runs without it; --no-memory skips that pass). Uses
a throwaway SQLite database (or DATABASE_URL) and a simulator subprocess on loopback.
Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.ingest import IngestMeter, print_ingest_ratio  # noqa: E402

CLIENT_ID, CLIENT_SECRET = "billingone-dev", "billingone-dev-secret"


def setup_django(port: int) -> None:
    var = tempfile.mkdtemp(prefix="billingone-bench-")
    os.environ.update(
        BILLINGONE_ENV="development",
        DEBUG="false",
        BILLINGONE_VAR_DIR=var,
        DJANGO_SETTINGS_MODULE="billingone.settings",
        XERO_CLIENT_ID=CLIENT_ID,
        XERO_CLIENT_SECRET=CLIENT_SECRET,
        XERO_API_URL=f"http://127.0.0.1:{port}",
        XERO_AUTHORIZE_URL=f"http://127.0.0.1:{port}/identity/connect/authorize",
        XERO_TOKEN_URL=f"http://127.0.0.1:{port}/connect/token",
        XERO_REVOKE_URL=f"http://127.0.0.1:{port}/connect/revocation",
        XERO_WEB_URL=f"http://127.0.0.1:{port}",
        XERO_REDIRECT_URI="http://localhost:8500/oauth/xero/callback/",
        SIMULATOR_HOST_XERO=f"127.0.0.1:{port}",
        LOG_LEVEL="WARNING",
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)  # the shared rate budgets live in the cache


def start_simulator(port: int, invoices: int) -> subprocess.Popen:
    module = "billingone.integrations.providers.xero.simulator"
    command = [sys.executable, "-m", module, "--port", str(port), "--invoices", str(invoices)]
    command += ["--companies", "400", "--tenants", "1"]
    return common.start_simulator(command, f"http://127.0.0.1:{port}/_sim/state")


def run_sync(connection, mode: str, port: int):
    from billingone.integrations.providers.xero.provider import Xero

    before = httpx.get(f"http://127.0.0.1:{port}/_sim/state").json()
    sync = common.engine_sync(connection, Xero, mode)
    after = httpx.get(f"http://127.0.0.1:{port}/_sim/state").json()
    limited = sum(after["rate_limited"].values()) - sum(before["rate_limited"].values())
    return sync.counts, sync.rows, sync.elapsed, after["calls"] - before["calls"], limited, sync.statements, after


def report(
    title: str,
    counts,
    rows: int,
    elapsed: float,
    calls: int,
    minimum: int,
    limited: int,
    statements: int,
    peak_minute: int | None,
):
    print(f"\n== {title} ==")
    print(
        f"rows synced              {rows:,}  ({counts.created:,} new, {counts.updated:,} updated, "
        f"{counts.unchanged:,} unchanged, {counts.removed:,} removed)"
    )
    print(f"provider calls           {calls}  (minimum {minimum}: pages of 1,000)")
    rate = calls / max(elapsed, 60.0) * 60  # under a minute, the calls made are the rate
    window = f" (most in any 60 s window: {peak_minute})" if peak_minute is not None else ""
    print(f"calls per minute         {rate:.1f} achieved vs 60 allowed{window}")
    print(f"429s received            {limited}")
    print(f"time                     {elapsed:.1f} s  ·  {rows / elapsed:,.0f} rows/s")
    print(f"SQL statements           {statements:,}  ·  {statements / max(rows, 1) * 1000:.1f} per 1,000 rows")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=8590)
    parser.add_argument(
        "--memory", action=argparse.BooleanOptionalAction, default=True, help="the separate tracemalloc pass"
    )
    args = parser.parse_args()
    setup_django(args.port)
    simulator = start_simulator(args.port, args.invoices)
    try:
        bench(args)
    finally:
        simulator.terminate()
        simulator.wait(10)


def connect(owner, slug: str, base: str):
    """A new organization of `owner` with Xero connected through the simulator's consent."""
    from billingone.integrations.models import Connection
    from billingone.integrations.providers.xero.auth import SCOPES
    from billingone.integrations.providers.xero.simulator.consent import obtain_tokens
    from billingone.orgs.flows import create_organization

    organization = create_organization(owner, f"Bench {slug}", slug=slug)
    tokens = obtain_tokens(
        base,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uri=os.environ["XERO_REDIRECT_URI"],
        scope=" ".join(SCOPES),
    )
    connection = Connection.objects.create(organization=organization, provider="xero", status="connected")
    connection.set_credentials(
        {
            "access_token": tokens["access_token"],
            "refresh_token": tokens["refresh_token"],
            "expires_at": str(time.time() + 1800),
            "tenant_id": tokens["connections"][0]["tenantId"],
        }
    )
    connection.save()
    return connection


def memory_pass(owner, base: str, port: int) -> None:
    """Peak Python heap of a full sync, measured in a pass of its own: tracemalloc makes every
    allocation slower (2.6× here), so the timed pass above runs without it."""
    connection = connect(owner, "bench-memory", base)
    tracemalloc.start()
    try:
        run_sync(connection, "full", port)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    print("\n== Memory pass: the same full sync again, into a new organization, with tracemalloc on ==")
    print(f"peak memory              {peak / 2**20:.1f} MiB Python heap (tracemalloc)")


def bench(args) -> None:
    from billingone.accounts.models import User
    from billingone.billing.models import Customer, Invoice

    base = f"http://127.0.0.1:{args.port}"
    owner = User.objects.create_user(email="bench@example.test", password="bench-password-123456", name="Bench")
    connection = connect(owner, "bench-msp", base)
    organization = connection.organization
    with IngestMeter() as meter:
        counts, rows, elapsed, calls, limited, statements, state = run_sync(connection, "full", args.port)
    invoices = Invoice.objects.filter(organization=organization, source="xero").count()
    contacts = Customer.objects.filter(organization=organization, source="xero").count()
    minimum = math.ceil(invoices / 1000) + math.ceil(contacts / 1000)
    print(
        f"Xero simulator: {args.invoices:,} invoices ({invoices:,} sales invoices, {contacts:,} contacts), "
        "limits 60/min, 5 concurrent, 5,000/day"
    )
    report("Full sync", counts, rows, elapsed, calls, minimum, limited, statements, state["max_calls_in_a_minute"])
    print(f"max RSS                  {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB (no tracing)")
    print(f"max requests in flight   {state['max_in_flight']} (limit 5)")
    print_ingest_ratio(meter, organization, "xero")

    changed = max(1, args.invoices // 100)
    httpx.post(f"{base}/_sim/mutate", json={"change": changed}, timeout=60).raise_for_status()
    counts, rows, elapsed, calls, limited, statements, _ = run_sync(connection, "delta", args.port)
    report(
        f"Delta sync after {changed:,} invoices changed (1%)",
        counts,
        rows,
        elapsed,
        calls,
        math.ceil(max(rows, 1) / 1000) + 1,
        limited,
        statements,
        None,
    )

    pacing(connection, args.port)
    if args.memory:
        memory_pass(owner, base, args.port)


def pacing(connection, port: int) -> None:
    """Read every invoice page without storing it: nothing slows the client down but the
    limiter, so this shows it keeping under 60/minute with no 429."""
    from billingone.integrations.base import NullProgress, ProviderContext
    from billingone.integrations.providers.xero.provider import Xero

    before = httpx.get(f"http://127.0.0.1:{port}/_sim/state").json()
    provider = Xero(ProviderContext(organization=connection.organization, credentials=connection.get_credentials()))
    started = time.monotonic()
    pages = sum(1 for _ in provider.pages("Invoices", None, NullProgress()))
    elapsed = time.monotonic() - started
    after = httpx.get(f"http://127.0.0.1:{port}/_sim/state").json()
    limited = sum(after["rate_limited"].values()) - sum(before["rate_limited"].values())
    print("\n== Pacing: every invoice page fetched, nothing stored (the limiter is the only brake) ==")
    print(
        f"provider calls           {after['calls'] - before['calls']} pages in {elapsed:.1f} s "
        f"(average {pages / max(elapsed, 60.0) * 60:.1f}/min); limit 60/min, most in any 60 s window: "
        f"{after['max_calls_in_a_minute']}; 429s: {limited}"
    )


if __name__ == "__main__":
    main()
