"""Benchmark: a full QuickBooks sync of 50,000 invoices × 3 lines against the simulator with
QuickBooks' limits on (500 calls a minute, 10 in flight per company), stored through the engine;
a separate pass for peak memory; then a CDC delta after 1% of the invoices changed.

    python bench/quickbooks_sync.py [--invoices 50000] [--port 8860]

Prints calls made vs the minimum (pages of 1,000), the busiest minute vs 500, 429s received,
rows per second, SQL statements per 1,000 rows and peak memory. Uses a throwaway SQLite database
(or DATABASE_URL) and a simulator subprocess on loopback. Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.ingest import IngestMeter, print_ingest_ratio  # noqa: E402

CLIENT_ID, CLIENT_SECRET = "billingone-dev-qbo", "billingone-dev-qbo-secret"  # the simulator's dev app
REDIRECT_URI = "http://localhost:8500/oauth/quickbooks/callback/"


def setup_django(port: int) -> None:
    base = f"http://127.0.0.1:{port}"
    os.environ.update(
        BILLINGONE_ENV="development",
        DEBUG="false",
        BILLINGONE_VAR_DIR=tempfile.mkdtemp(prefix="billingone-bench-"),
        DJANGO_SETTINGS_MODULE="billingone.settings",
        QUICKBOOKS_CLIENT_ID=CLIENT_ID,
        QUICKBOOKS_CLIENT_SECRET=CLIENT_SECRET,
        QUICKBOOKS_REDIRECT_URI=REDIRECT_URI,
        QUICKBOOKS_AUTHORIZE_URL=f"{base}/connect/oauth2",
        QUICKBOOKS_TOKEN_URL=f"{base}/oauth2/v1/tokens/bearer",
        QUICKBOOKS_REVOKE_URL=f"{base}/v2/oauth2/tokens/revoke",
        QUICKBOOKS_API_URL=base,
        QUICKBOOKS_APP_URL=base,
        SIMULATOR_HOST_QUICKBOOKS=f"127.0.0.1:{port}",
        LOG_LEVEL="WARNING",
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)  # the shared rate budgets live in the cache


def start_simulator(port: int, invoices: int) -> subprocess.Popen:
    module = "billingone.integrations.providers.quickbooks.simulator"
    command = [sys.executable, "-m", module, "--port", str(port), "--invoices", str(invoices)]
    command += ["--companies", "400", "--realms", "1", "--redirect-uri", REDIRECT_URI]
    return common.start_simulator(command, f"http://127.0.0.1:{port}/_sim/state")


def authorise(base: str) -> dict[str, str]:
    """The consent page's Connect button and the code exchange, as the connect flow does."""
    params = {
        "client_id": CLIENT_ID,
        "response_type": "code",
        "scope": "com.intuit.quickbooks.accounting",
        "redirect_uri": REDIRECT_URI,
        "state": "bench",
    }
    realm = httpx.get(f"{base}/_sim/state").json()["companies"][0]["realmId"]
    answer = httpx.post(f"{base}/connect/oauth2/consent", data={**params, "realm": realm, "decision": "allow"})
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    tokens = httpx.post(f"{base}/oauth2/v1/tokens/bearer", auth=(CLIENT_ID, CLIENT_SECRET), data=form).json()
    return {
        "access_token": tokens["access_token"],
        "refresh_token": tokens["refresh_token"],
        "expires_at": str(time.time() + tokens["expires_in"]),
        "account_id": realm,
    }


def run(connection, mode: str, base: str) -> dict:
    """One sync through the engine (fetch → store → sweep → match), as the worker runs it."""
    from billingone.integrations.providers.quickbooks.provider import QuickBooks

    before = httpx.get(f"{base}/_sim/state").json()
    sync = common.engine_sync(connection, QuickBooks, mode)
    after = httpx.get(f"{base}/_sim/state").json()
    return {
        "counts": sync.counts,
        "rows": sync.rows,
        "elapsed": sync.elapsed,
        "statements": sync.statements,
        "calls": after["calls"] - before["calls"],
        "limited": sum(after["rate_limited"].values()) - sum(before["rate_limited"].values()),
        "busiest": after["max_calls_in_a_minute"],
        "in_flight": after["max_in_flight"],
    }


def report(title: str, result: dict, minimum: int) -> None:
    counts, rows = result["counts"], result["rows"]
    print(f"\n== {title} ==")
    print(
        f"rows synced              {rows:,}  ({counts.created:,} new, {counts.updated:,} updated, "
        f"{counts.unchanged:,} unchanged, {counts.removed:,} removed)"
    )
    print(f"provider calls           {result['calls']}  (minimum {minimum}: pages of 1,000)")
    print(f"busiest minute (so far)  {result['busiest']} calls vs 500 allowed")
    print(f"most in flight (so far)  {result['in_flight']} vs 10 allowed")
    print(f"429s received            {result['limited']}")
    print(f"time                     {result['elapsed']:.1f} s  ·  {rows / result['elapsed']:,.0f} rows/s")
    print(
        f"SQL statements           {result['statements']:,}  ·  "
        f"{result['statements'] / max(rows, 1) * 1000:.1f} per 1,000 rows"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=50_000)
    parser.add_argument("--port", type=int, default=8860)
    args = parser.parse_args()
    setup_django(args.port)
    simulator = start_simulator(args.port, args.invoices)
    try:
        bench(args, f"http://127.0.0.1:{args.port}")
    finally:
        simulator.terminate()
        simulator.wait(10)


def bench(args, base: str) -> None:
    from billingone.accounts.models import User
    from billingone.integrations.models import Connection
    from billingone.orgs.flows import create_organization

    owner = User.objects.create_user(email="bench@example.test", password="bench-password-123456", name="Bench")
    organization = create_organization(owner, "Bench MSP", slug="bench-msp")
    credentials = authorise(base)
    connection = Connection.objects.create(
        organization=organization,
        provider="quickbooks",
        status="connected",
        config={"account_id": credentials["account_id"], "account_name": "Bench"},
    )
    connection.set_credentials(credentials)
    connection.save()
    minimum = math.ceil(args.invoices / 1000) + 2  # invoice pages, one customer page, one item page

    with IngestMeter() as meter:
        full = run(connection, "full", base)
    report(f"full sync, {args.invoices:,} invoices × 3 lines", full, minimum)
    print_ingest_ratio(meter, organization, "quickbooks")

    tracemalloc.start()
    memory = run(connection, "full", base)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(
        f"\n== memory pass (a second full sync, traced) ==\npeak memory (traced)     {peak:.1f} MiB "
        f"over {memory['rows']:,} rows ({memory['counts'].unchanged:,} unchanged)"
    )

    changed = httpx.post(f"{base}/_sim/mutate", json={"fraction": 0.01}).json()["changed"]
    delta = run(connection, "delta", base)
    report(f"CDC delta after {len(changed):,} invoices (1%) changed", delta, 1)


if __name__ == "__main__":
    main()
