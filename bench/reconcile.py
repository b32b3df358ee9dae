"""Benchmark: reconciliation of 10,000 clients, 100,000 subscriptions and ~1,000,000 invoice lines.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bo_reconcile_bench python bench/reconcile.py [--clients 10000]

Seeds the data in bulk with COPY (PostgreSQL only), then times a first full reconciliation
(every finding created), a second one over unchanged data (the steady state after each sync),
and one of a single client after one of its subscriptions changed. Prints seconds, SQL
statements and each run's own peak RSS, and the machine's load average.
The database named in DATABASE_URL is dropped and created again. Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
GOAL_SECONDS = 5.0
PRODUCTS = 200
SUBSCRIPTIONS_PER_CLIENT = 10
MONTHS = 12


def recreate_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> None:
    os.environ.update(
        BILLINGONE_ENV="development",
        DEBUG="false",
        BILLINGONE_VAR_DIR=tempfile.mkdtemp(prefix="billingone-bench-"),
        DJANGO_SETTINGS_MODULE="billingone.settings",
        LOG_LEVEL="WARNING",
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def copy_rows(table: str, columns: tuple[str, ...], rows) -> int:
    """COPY rows (tuples) into `table`; returns how many."""
    from django.db import connection

    count = 0
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
        count += 1
    buffer.seek(0)
    connection.ensure_connection()
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        while chunk := buffer.read(1 << 20):
            copy.write(chunk)
    return count


def month_starts(today: date) -> list[date]:
    first = today.replace(day=1)
    starts = []
    for back in range(MONTHS):
        index = first.year * 12 + first.month - 1 - back
        starts.append(date(index // 12, index % 12 + 1, 1))
    return starts


def seed(clients: int, today: date) -> dict:
    from django.db import connection
    from django.utils import timezone

    from billingone.billing.tests.builders import connect
    from billingone.orgs.models import Organization

    rng = random.Random(20261127)
    org = Organization.objects.create(name="Bench MSP", slug="bench")
    connect(org, "pax8")
    connect(org, "xero")
    now = timezone.now().isoformat()
    o = org.pk
    copy_rows(
        "billing_client",
        ("id", "organization_id", "name", "normalized_name", "aliases", "created_at"),
        ((n + 1, o, f"Client {n:05d}", f"client {n:05d}", "[]", now) for n in range(clients)),
    )
    customer_cols = (
        "id",
        "organization_id",
        "source",
        "external_id",
        "source_status",
        "fingerprint",
        "last_seen_run",
        "synced_at",
        "name",
        "normalized_name",
        "email",
        "website",
        "domains",
        "active",
        "is_client",
        "client_id",
        "first_seen_at",
    )

    def customers():
        for n in range(clients):
            for offset, source in ((1, "pax8"), (2, "xero")):
                yield (
                    2 * n + offset,
                    o,
                    source,
                    f"{source}-{n}",
                    "",
                    "x",
                    0,
                    now,
                    f"Client {n:05d}",
                    f"client {n:05d}",
                    "",
                    "",
                    "",
                    True,
                    True,
                    n + 1,
                    now,
                )

    copy_rows("billing_customer", customer_cols, customers())
    copy_rows(
        "billing_product",
        (
            "id",
            "organization_id",
            "source",
            "external_id",
            "source_status",
            "fingerprint",
            "last_seen_run",
            "synced_at",
            "name",
            "vendor",
            "sku",
            "kind",
            "description",
            "requires_commitment",
        ),
        (
            (
                p + 1,
                o,
                "pax8",
                f"prod-{p}",
                "",
                "x",
                0,
                now,
                f"Product {p:03d}",
                "Microsoft",
                f"SKU{p:03d}",
                "licence",
                "",
                False,
            )
            for p in range(PRODUCTS)
        ),
    )
    copy_rows(
        "billing_productitemmapping",
        ("organization_id", "product_id", "item_code", "description_pattern", "confirmed", "confidence", "reason"),
        ((o, p + 1, f"SKU{p:03d}", "", True, 100, "") for p in range(PRODUCTS)),
    )
    subs, lines, invoices = [], [], []
    starts = month_starts(today)
    line_id = invoice_id = 0
    for n in range(clients):
        products = rng.sample(range(PRODUCTS), SUBSCRIPTIONS_PER_CLIENT)
        monthly_lines = []
        for k, p in enumerate(products):
            qty = rng.randint(1, 50)
            term = "annual" if k == 0 and n % 3 == 0 else ("annual_monthly" if k == 1 and n % 5 == 0 else "monthly")
            start = today - timedelta(days=rng.randint(0, 900))
            subs.append(
                (
                    len(subs) + 1,
                    o,
                    "pax8",
                    f"sub-{n}-{k}",
                    "Active",
                    "x",
                    0,
                    now,
                    2 * n + 1,
                    f"pax8-{n}",
                    p + 1,
                    f"prod-{p}",
                    f"Product {p:03d}",
                    "",
                    "licence",
                    qty,
                    "20.00",
                    "12.00",
                    "AUD",
                    term,
                    "",
                    "active",
                    start.isoformat(),
                    None,
                    None,
                    True,
                    "",
                    None,
                )
            )
            billed = qty - rng.randint(1, 3) if rng.random() < 0.05 else (qty + 1 if rng.random() < 0.02 else qty)
            monthly_lines.append((f"SKU{p:03d}", billed, term))
        for m, month in enumerate(starts):
            invoice_id += 1
            invoices.append(
                (
                    invoice_id,
                    o,
                    "xero",
                    f"inv-{invoice_id}",
                    "AUTHORISED",
                    "x",
                    0,
                    now,
                    2 * n + 2,
                    f"xero-{n}",
                    f"Client {n:05d}",
                    f"INV-{invoice_id}",
                    "",
                    "invoice",
                    "submitted",
                    month.isoformat(),
                    (month + timedelta(days=14)).isoformat(),
                    None,
                    "AUD",
                    0,
                    0,
                    0,
                    0,
                    0,
                    "",
                    None,
                )
            )
            for position, (code, billed, term) in enumerate(monthly_lines):
                if term == "annual" and m != 3:
                    continue
                line_id += 1
                lines.append(
                    (
                        line_id,
                        o,
                        invoice_id,
                        position,
                        "",
                        code,
                        "",
                        f"{code} licences",
                        billed,
                        "20.00",
                        billed * 20,
                        0,
                        None,
                        None,
                    )
                )
    sub_cols = (
        "id",
        "organization_id",
        "source",
        "external_id",
        "source_status",
        "fingerprint",
        "last_seen_run",
        "synced_at",
        "customer_id",
        "customer_external_id",
        "product_id",
        "product_external_id",
        "product_name",
        "name",
        "kind",
        "quantity",
        "unit_price",
        "unit_cost",
        "currency",
        "billing_term",
        "source_term",
        "status",
        "start_date",
        "end_date",
        "renews_on",
        "auto_renew",
        "plan",
        "updated_at",
    )
    invoice_cols = (
        "id",
        "organization_id",
        "source",
        "external_id",
        "source_status",
        "fingerprint",
        "last_seen_run",
        "synced_at",
        "customer_id",
        "customer_external_id",
        "customer_name",
        "number",
        "reference",
        "kind",
        "status",
        "issue_date",
        "due_date",
        "paid_on",
        "currency",
        "subtotal",
        "tax",
        "total",
        "amount_due",
        "amount_paid",
        "url",
        "updated_at",
    )
    line_cols = (
        "id",
        "organization_id",
        "invoice_id",
        "position",
        "external_id",
        "item_code",
        "item_external_id",
        "description",
        "quantity",
        "unit_price",
        "amount",
        "tax",
        "period_start",
        "period_end",
    )
    counts = {
        "clients": clients,
        "subscriptions": copy_rows("billing_subscription", sub_cols, subs),
        "invoices": copy_rows("billing_invoice", invoice_cols, invoices),
        "invoice_lines": copy_rows("billing_invoiceline", line_cols, lines),
    }
    with connection.cursor() as cursor:
        for table in (
            "billing_client",
            "billing_customer",
            "billing_product",
            "billing_subscription",
            "billing_invoice",
            "billing_invoiceline",
        ):
            # Table names from the tuple above, never from input.
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")  # noqa: S608
            cursor.execute(f"ANALYZE {table}")
    return {"organization": org, **counts}


def reset_peak_rss() -> None:
    """Linux: writing 5 to clear_refs resets the peak RSS, so each run reports its own peak."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def run_peak_rss() -> float:
    """MiB: this run's peak (VmHWM after reset_peak_rss), else the process's peak so far."""
    with contextlib.suppress(OSError, StopIteration):
        status = Path("/proc/self/status").read_text().splitlines()
        return int(next(line for line in status if line.startswith("VmHWM:")).split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(label: str, function):
    """Wall time (and this process's CPU time: the rest is the database or waiting), SQL
    statements (counted by a wrapper: no query text is kept, unlike Django's
    debug cursor, which would format every bulk INSERT) and the run's own peak RSS (Linux)."""
    from django.db import connection

    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    reset_peak_rss()
    start, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(count):
        result = function()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = run_peak_rss()
    print(f"  {label:<44} {elapsed:7.2f} s ({cpu:6.2f} s Python CPU)  {statements:5d} SQL  peak RSS {peak:5.0f} MiB")
    return result, elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--reuse", action="store_true", help="keep the seeded data of a previous run")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL=postgres://postgres@127.0.0.1:5432/bo_reconcile_bench (COPY needs PostgreSQL).")
    if not args.reuse:
        recreate_database(url)
    setup_django()
    from django.utils import timezone

    from billingone.billing.finding_models import Finding
    from billingone.billing.models import Subscription
    from billingone.billing.reconciliation import reconcile_organization

    today = timezone.localdate()
    start = time.perf_counter()
    if args.reuse:
        from billingone.billing.finding_models import ReconciliationRun
        from billingone.orgs.models import Organization

        org = Organization.objects.get(slug="bench")
        Finding.objects.filter(organization=org).delete()
        ReconciliationRun.objects.filter(organization=org).delete()
        print("reusing the seeded data")
    else:
        data = seed(args.clients, today)
        org = data.pop("organization")
        print(f"seeded {data} in {time.perf_counter() - start:.1f} s")
    run, first = measure("first full reconciliation (all created)", lambda: reconcile_organization(org, "bench"))
    print(f"    findings {run.created} created; summary {run.summary}")
    run, steady = measure("full reconciliation, nothing changed", lambda: reconcile_organization(org, "bench"))
    print(f"    {run.unchanged} unchanged, {run.updated} updated")
    changed = Subscription.objects.filter(organization=org).order_by("pk").first()
    Subscription.objects.filter(pk=changed.pk).update(quantity=changed.quantity + 5)
    client_id = changed.customer.client_id
    run, _ = measure(
        "one client after a subscription changed",
        lambda: reconcile_organization(org, "bench", client_ids=[client_id]),
    )
    under = Finding.objects.filter(client_id=client_id, kind="under_billed").count()
    print(f"    {run.updated} updated; that client now has {under} under-billed product(s)")
    measure("full reconciliation after that change", lambda: reconcile_organization(org, "bench"))
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    verdict = "within" if steady <= GOAL_SECONDS and first <= GOAL_SECONDS else "OVER"
    print(f"goal ≤ {GOAL_SECONDS:.0f} s per full reconciliation: first {first:.2f} s, steady {steady:.2f} s: {verdict}")


if __name__ == "__main__":
    main()
