"""Benchmark: a full SuperOps sync of 20,000 invoices against the simulator with SuperOps' limit
on (800 requests a minute per tenant, enforced by the simulator the SuperOps way: HTTP 200 with
`rate_limit_exceeded`), stored through the engine; then the scheduled `invoices` sync (the
invoice-date window) after 1% of the invoices were created, paid or deleted.

    python bench/superops_sync.py [--invoices 20000] [--port 8810]

Every invoice is one `getInvoice` call (the list does not carry items), so the full sync is
rate-bound: at least pages + invoices calls, at 760 a minute (5% under 800). Prints calls made
vs the minimum, the busiest minute vs 800, rate-limit refusals received (must be 0), rows per
second and SQL statements per 1,000 rows. Uses a throwaway SQLite database (or DATABASE_URL)
and a simulator subprocess on loopback (US host `--port`, EU host `--port + 1`). Not a test.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402

PAGE = 100


def setup_django(port: int) -> None:
    os.environ.update(
        BILLINGONE_ENV="development",
        DEBUG="false",
        BILLINGONE_VAR_DIR=tempfile.mkdtemp(prefix="billingone-bench-"),
        DJANGO_SETTINGS_MODULE="billingone.settings",
        SUPEROPS_API_URL=f"http://127.0.0.1:{port}/msp",
        SUPEROPS_EU_API_URL=f"http://127.0.0.1:{port + 1}/msp",
        SIMULATOR_HOST_SUPEROPS=f"127.0.0.1:{port}",
        SIMULATOR_HOST_SUPEROPS_EU=f"127.0.0.1:{port + 1}",
        LOG_LEVEL="WARNING",
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("createcachetable")  # the shared rate budget (integrations/budgets.py)


def start_simulator(port: int, invoices: int, companies: int) -> subprocess.Popen:
    module = "billingone.integrations.providers.superops.simulator"
    command = [sys.executable, "-m", module, "--port", str(port), "--eu-port", str(port + 1)]
    command += ["--invoices", str(invoices), "--companies", str(companies), "--per-minute", "800"]
    return common.start_simulator(command, f"http://127.0.0.1:{port}/_sim/stats", attempts=300)


def run(connection, mode: str, base: str) -> dict:
    """One sync through the engine (fetch → store → sweep → match), as the worker runs it."""
    from billingone.integrations.providers.superops.provider import SuperOps

    before = httpx.get(f"{base}/_sim/stats").json()
    sync = common.engine_sync(connection, SuperOps, mode)
    after = httpx.get(f"{base}/_sim/stats").json()
    stats = sync.provider._api.http.stats  # the client's own count of calls and rate refusals
    return {
        "counts": sync.counts,
        "rows": sync.rows,
        "elapsed": sync.elapsed,
        "statements": sync.statements,
        "calls": stats.calls,
        "served": after.get("calls", 0) - before.get("calls", 0),
        "refused": stats.rate_limited,
        "sim_refused": after.get("rate_limited", 0) - before.get("rate_limited", 0),
        "busiest": after["busiest_minute"],
    }


def report(title: str, result: dict, minimum: int, note: str) -> None:
    counts, rows = result["counts"], result["rows"]
    print(f"\n== {title} ==")
    print(
        f"rows synced              {rows:,}  ({counts.created:,} new, {counts.updated:,} updated, "
        f"{counts.unchanged:,} unchanged, {counts.removed:,} removed)"
    )
    print(f"provider calls           {result['calls']:,}  (minimum {minimum:,}: {note})")
    print(f"busiest minute (so far)  {result['busiest']} calls vs 800 allowed")
    print(f"rate-limit refusals      {result['refused']} received by the client, {result['sim_refused']} by the sim")
    print(f"time                     {result['elapsed']:.1f} s  ·  {rows / result['elapsed']:,.1f} rows/s")
    print(
        f"SQL statements           {result['statements']:,}  ·  "
        f"{result['statements'] / max(rows, 1) * 1000:.1f} per 1,000 rows"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=20_000)
    parser.add_argument("--companies", type=int, default=400)
    parser.add_argument("--port", type=int, default=8810)
    args = parser.parse_args()
    setup_django(args.port)
    simulator = start_simulator(args.port, args.invoices, args.companies)
    try:
        bench(args, f"http://127.0.0.1:{args.port}")
    finally:
        simulator.terminate()
        simulator.wait(10)


def bench(args, base: str) -> None:
    from billingone.accounts.models import User
    from billingone.integrations.models import Connection
    from billingone.integrations.providers.superops.simulator.server import DEMO_SUBDOMAIN, DEMO_TOKEN
    from billingone.orgs.flows import create_organization

    owner = User.objects.create_user(email="bench@example.test", password="bench-password-123456", name="Bench")
    organization = create_organization(owner, "Bench MSP", slug="bench-msp")
    connection = Connection.objects.create(organization=organization, provider="superops", status="connected")
    connection.set_credentials({"api_token": DEMO_TOKEN, "subdomain": DEMO_SUBDOMAIN, "region": "us"})
    connection.save()
    pages = math.ceil(args.companies / PAGE) + math.ceil(args.invoices / PAGE)
    full = run(connection, "full", base)
    report(
        f"full sync, {args.invoices:,} invoices",
        full,
        pages + args.invoices,
        "client and invoice pages of 100 + one getInvoice per invoice",
    )

    changed = max(1, args.invoices // 100)
    third = max(1, changed // 3)
    mutated = httpx.post(f"{base}/_sim/mutate", json={"create": third, "update": third, "delete": third}).json()
    window = run(connection, "invoices", base)
    read = window["counts"].created + window["counts"].updated + window["counts"].unchanged
    invoices_read = read - args.companies
    report(
        f"`invoices` sync after {len(mutated['created'])} created, {len(mutated['updated'])} paid, "
        f"{len(mutated['deleted'])} deleted (old ones: the window reads the new; the daily full scan the rest)",
        window,
        math.ceil(args.companies / PAGE) + math.ceil(invoices_read / PAGE) + invoices_read,
        "pages + one getInvoice per invoice in the window",
    )


if __name__ == "__main__":
    main()
