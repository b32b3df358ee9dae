"""Benchmark: a full QuickBooks sync of 50,000 invoices × 3 lines against the simulator with
QuickBooks' limits on (500 calls a minute, 10 in flight per company), a separate pass for peak
memory, then a CDC delta after 1% of the invoices changed.

    python bench/quickbooks_sync.py [--invoices 50000] [--port 8860]

Prints calls made vs the minimum (pages of 1,000), the busiest minute vs 500, 429s received,
rows per second and peak memory. The provider's `fetch` runs for real over loopback; the
records it yields are consumed here (the engine's store is measured by its own benchmark).
Not a test: it prints figures.
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
CLIENT_ID, CLIENT_SECRET = "billingone-dev-qbo", "billingone-dev-qbo-secret"  # the simulator's dev app
REDIRECT_URI = "http://localhost:8500/oauth/quickbooks/callback/"


def setup_django(port: int) -> None:
    os.environ.update(
        BILLINGONE_ENV="development",
        DEBUG="false",
        BILLINGONE_VAR_DIR=tempfile.mkdtemp(prefix="billingone-bench-"),
        DJANGO_SETTINGS_MODULE="billingone.settings",
        QUICKBOOKS_CLIENT_ID=CLIENT_ID,
        QUICKBOOKS_CLIENT_SECRET=CLIENT_SECRET,
        QUICKBOOKS_REDIRECT_URI=REDIRECT_URI,
        QUICKBOOKS_DISCOVERY_URL=f"http://127.0.0.1:{port}/.well-known/openid_configuration",
        QUICKBOOKS_API_URL=f"http://127.0.0.1:{port}",
        QUICKBOOKS_APP_URL=f"http://127.0.0.1:{port}",
        SIMULATOR_HOST_QUICKBOOKS=f"127.0.0.1:{port}",
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()


def start_simulator(port: int, invoices: int) -> subprocess.Popen:
    module = "billingone.integrations.providers.quickbooks.simulator"
    command = [sys.executable, "-m", module, "--port", str(port), "--invoices", str(invoices)]
    command += ["--companies", "400", "--realms", "1", "--redirect-uri", REDIRECT_URI]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)  # noqa: S603
    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{port}/_sim/state", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the simulator did not start")


def connect(base: str) -> dict[str, str]:
    """The consent page's Connect button and the code exchange, as a person's browser would."""
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
    tokens = httpx.post(
        f"{base}/oauth2/v1/tokens/bearer",
        auth=(CLIENT_ID, CLIENT_SECRET),
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
    ).json()
    return {
        "access_token": tokens["access_token"],
        "refresh_token": tokens["refresh_token"],
        "expires_at": str(time.time() + tokens["expires_in"]),
        "realm_id": realm,
    }


def run(credentials: dict[str, str], mode: str, since, base: str) -> dict:
    from billingone.integrations.base import NullProgress, ProviderContext
    from billingone.integrations.providers.quickbooks.provider import QuickBooks
    from billingone.integrations.records import Batch, Checkpoint, Removed

    before = httpx.get(f"{base}/_sim/state").json()
    provider = QuickBooks(ProviderContext(organization=None, credentials=credentials))
    rows = removed = 0
    checkpoint = None
    started = time.monotonic()
    for item in provider.fetch(mode, since, NullProgress()):
        if isinstance(item, Batch):
            rows += len(item.records)
        elif isinstance(item, Removed):
            removed += len(item.external_ids)
        elif isinstance(item, Checkpoint):
            checkpoint = item.at
    elapsed = time.monotonic() - started
    after = httpx.get(f"{base}/_sim/state").json()
    return {
        "rows": rows,
        "removed": removed,
        "checkpoint": checkpoint,
        "elapsed": elapsed,
        "calls": after["calls"] - before["calls"],
        "limited": sum(after["rate_limited"].values()) - sum(before["rate_limited"].values()),
        "busiest": after["max_calls_in_a_minute"],
        "in_flight": after["max_in_flight"],
    }


def report(title: str, result: dict, minimum: int, peak_mib: float | None = None) -> None:
    print(f"\n== {title} ==")
    print(f"rows fetched             {result['rows']:,}  ({result['removed']:,} removed)")
    print(f"provider calls           {result['calls']}  (minimum {minimum})")
    print(f"busiest minute (so far)  {result['busiest']} calls vs 500 allowed")
    print(f"most in flight (so far)  {result['in_flight']} vs 10 allowed")
    print(f"429s received            {result['limited']}")
    print(f"time                     {result['elapsed']:.1f} s  ·  {result['rows'] / result['elapsed']:,.0f} rows/s")
    if peak_mib is not None:
        print(f"peak memory (traced)     {peak_mib:.1f} MiB")


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
    credentials = connect(base)
    customers = 400  # upper bound: one page either way
    minimum = math.ceil(args.invoices / 1000) + math.ceil(customers / 1000) + 1  # + the items page
    full = run(credentials, "full", None, base)
    report(f"full sync, {args.invoices:,} invoices × 3 lines", full, minimum)

    tracemalloc.start()
    memory = run(credentials, "full", None, base)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(
        f"\n== memory pass (a second full sync, traced) ==\npeak memory (traced)     {peak:.1f} MiB "
        f"while fetching {memory['rows']:,} rows"
    )

    changed = httpx.post(f"{base}/_sim/mutate", json={"fraction": 0.01}).json()["changed"]
    delta = run(credentials, "delta", full["checkpoint"], base)
    report(f"CDC delta after {len(changed):,} invoices (1%) changed", delta, 1)


if __name__ == "__main__":
    main()
