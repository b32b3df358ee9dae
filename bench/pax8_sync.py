"""Benchmark: a full Pax8 sync of 50,000 subscriptions against the simulator, rate limit on.

    python bench/pax8_sync.py [--subscriptions 50000] [--port 8390] [--rate-limit 1000]

Runs the real engine path (flows.request_sync → runner.execute_run → Pax8 provider → bulk
upserts) in this process against the simulator in a subprocess, then again after 1% of the
subscriptions changed, then (--paced) once more with a limit low enough that the limiter must
pace the calls. Prints: provider calls made vs the minimum (pages at the maximum page
size + the token), calls per minute achieved vs allowed, 429s received, rows per second, peak
memory, SQL statements per 1,000 rows. Uses a fresh SQLite file under a temporary directory
unless DATABASE_URL is set. Prints figures; not a test.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.ingest import IngestMeter, print_ingest_ratio  # noqa: E402


def sim_call(base: str, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method="POST" if data else "GET")  # noqa: S310
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the local simulator
        return json.loads(response.read())


def start_simulator(args) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "billingone.integrations.providers.pax8.simulator.server",
        "--host",
        "127.0.0.1",
        "--port",
        str(args.port),
    ]
    command += ["--subscriptions", str(args.subscriptions), "--rate-limit", str(args.rate_limit)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)  # noqa: S603
    process.stdout.readline()  # "Pax8 simulator on …" once it listens
    return process


def configure(args, var_dir: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="billingone.settings",
        BILLINGONE_ENV="development",
        BILLINGONE_VAR_DIR=var_dir,
        PAX8_API_URL=f"http://127.0.0.1:{args.port}/v1",
        PAX8_TOKEN_URL=f"http://127.0.0.1:{args.port}/oauth/token",
        SIMULATOR_HOST_PAX8=f"127.0.0.1:{args.port}",
        PAX8_RATE_LIMIT_CALLS=str(args.rate_limit),
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)  # the shared rate budgets live in the cache


def one_sync(organization, base: str, label: str, allowed_per_minute: int, ingest: bool = False) -> None:
    from django.db import connection

    from billingone.integrations import flows, runner
    from billingone.integrations.models import SyncRun

    sim_call(base, "/_sim/reset", {})
    counter = common.StatementCounter()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with connection.execute_wrapper(counter), IngestMeter() as meter:
        run = flows.request_sync(organization, "pax8", trigger=SyncRun.Trigger.SCHEDULE)
        runner.execute_run(run.pk)
    elapsed = time.perf_counter() - started
    run.refresh_from_db()
    stats = sim_call(base, "/_sim/stats")
    rows = run.progress_done
    pages = {path: n for path, n in stats["by_path"].items() if path.startswith("/v1/")}
    print_figures(label, run, stats, pages, rows, elapsed, counter.count, rss_before, allowed_per_minute)
    if ingest:
        print_ingest_ratio(meter, organization, "pax8")


def paced_sync(organization, base: str, limit: int) -> None:
    """Provider and limiter both at `limit` calls/minute: the sync needs more calls than one
    minute allows, so the limiter has to spread them, and no 429 may come back."""
    from django.conf import settings

    sim_call(base, "/_sim/rate", {"limit": limit, "period": 60})
    settings.PAX8_RATE_LIMIT_CALLS = limit
    one_sync(organization, base, f"paced: the same sync with the limit at {limit} calls/minute", limit)


def minimum_calls(run, token_needed: bool) -> int:
    """Pages needed at the maximum page size (200), plus the token request when one was due."""
    from billingone.billing.models import Customer, Product, Subscription

    org = run.organization
    sizes = [m.objects.filter(organization=org).count() for m in (Customer, Product, Subscription)]
    return int(token_needed) + sum(math.ceil(size / 200) for size in sizes)


def print_figures(label, run, stats, pages, rows, elapsed, queries, rss_before, allowed) -> None:
    calls = stats["requests"]
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    per_minute = calls / elapsed * 60
    minimum = minimum_calls(run, stats["token_requests"] > 0)
    lines = [
        f"== {label}: run #{run.pk} {run.status} in {elapsed:.1f} s "
        f"(created {run.created}, updated {run.updated}, unchanged {run.unchanged}, removed {run.removed})",
        f"provider calls made           {calls}  (minimum possible {minimum}; per endpoint {pages})",
        f"calls per minute              {stats['peak_per_period']} in the busiest 60 s window vs {allowed} allowed "
        f"({allowed * 0.95:.0f} budget with 5% headroom); average pace {per_minute:.0f}/min over {elapsed:.0f} s",
        f"429s received                 {stats['rate_limited']}",
        f"rows per second               {rows / elapsed:.0f}  ({rows} rows)",
        f"peak memory (process RSS)     {rss_peak / 1024:.0f} MiB "
        f"(+{(rss_peak - rss_before) / 1024:.0f} MiB in this sync)",
        f"SQL statements per 1,000 rows {queries / rows * 1000:.1f}  ({queries} statements)",
    ]
    print("\n".join(lines), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=50_000)
    parser.add_argument("--port", type=int, default=8390)
    parser.add_argument("--rate-limit", type=int, default=1000, help="simulator calls per minute")
    parser.add_argument(
        "--paced",
        type=int,
        default=200,
        help="then sync again with this per-minute limit on both sides, so the limiter must pace (0: skip)",
    )
    args = parser.parse_args()
    base = f"http://127.0.0.1:{args.port}"
    simulator = start_simulator(args)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-pax8-") as var_dir:
            configure(args, var_dir)
            from billingone.integrations.models import Connection
            from billingone.integrations.providers.pax8.simulator.server import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
            from billingone.orgs.models import Organization

            organization = Organization.objects.create(name="Bench MSP", slug=f"bench-{os.getpid()}")
            connection = Connection.objects.create(organization=organization, provider="pax8", status="connected")
            connection.set_credentials({"client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET})
            connection.save()
            one_sync(organization, base, f"full sync of {args.subscriptions} subscriptions", args.rate_limit, True)
            changed = sim_call(base, "/_sim/mutate", {"fraction": 0.01})["changed"]
            one_sync(organization, base, f"same sync again, {changed} subscriptions (1%) changed", args.rate_limit)
            if args.paced:
                paced_sync(organization, base, args.paced)
    finally:
        simulator.terminate()
        simulator.wait(timeout=10)


if __name__ == "__main__":
    main()
