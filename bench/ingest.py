"""Ingest ÷ COPY: how close the store gets to PostgreSQL's own bulk load for the same rows.

The sync benchmarks wrap a sync in `IngestMeter` (it times `billing.store.upsert`, the whole
ingest: records → rows, fingerprints, references, the write), then `print_ingest_ratio` COPYs
the very rows that sync stored (parents and lines, as Python tuples through psycopg, as an
application would) into temporary copies of their tables with the same indexes, and prints
rows per second of each and their ratio. The goal (issue 18) is ingest ≥ 0.25 × COPY.
"""

from __future__ import annotations

import time


class IngestMeter:
    """Times every store.upsert while active; counts the rows it was given (lines included)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.rows = 0

    def __enter__(self):
        from billingone.billing import store

        self._store, self._upsert = store, store.upsert

        def timed(organization, source, run_id, kind, records):
            started = time.perf_counter()
            try:
                return self._upsert(organization, source, run_id, kind, records)
            finally:
                self.seconds += time.perf_counter() - started
                self.rows += sum(1 + len(getattr(record, "lines", ())) for record in records)

        store.upsert = timed
        return self

    def __exit__(self, *exc) -> None:
        self._store.upsert = self._upsert


def copy_seconds(organization, source: str) -> tuple[int, float]:
    """COPY `source`'s stored rows of every kind into indexed temporary copies of their tables."""
    from django.db import connection, transaction

    from billingone.billing import store

    stored = [(model, {"source": source}) for model in store.MODELS.values()]
    stored += [(line, {f"{parent.removesuffix('_id')}__source": source}) for line, parent in store.LINES.values()]
    total_rows, total_seconds = 0, 0.0
    for model, of_source in stored:
        queryset = model.objects.filter(organization=organization, **of_source)
        rows, seconds = _copy_model(connection, transaction, queryset)
        total_rows += rows
        total_seconds += seconds
    return total_rows, total_seconds


def _copy_model(connection, transaction, queryset) -> tuple[int, float]:
    model = queryset.model
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    rows = list(queryset.values_list(*(f.attname for f in fields)))
    if not rows:
        return 0, 0.0
    quote = connection.ops.quote_name
    table, copy = quote(model._meta.db_table), quote(f"bench_copy_{model._meta.db_table}")
    columns = ", ".join(quote(f.column) for f in fields)
    prepared = [tuple(f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)) for row in rows]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {copy} (LIKE {table} INCLUDING ALL) ON COMMIT DROP")
        started = time.perf_counter()
        with cursor.cursor.copy(f"COPY {copy} ({columns}) FROM STDIN") as stream:
            for row in prepared:
                stream.write_row(row)
        seconds = time.perf_counter() - started
    return len(rows), seconds


def print_ingest_ratio(meter: IngestMeter, organization, source: str) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        print("ingest vs COPY           (PostgreSQL only: set DATABASE_URL)")
        return
    copied, copy_time = copy_seconds(organization, source)
    ingest_rate = meter.rows / meter.seconds if meter.seconds else 0.0
    copy_rate = copied / copy_time if copy_time else 0.0
    ratio = ingest_rate / copy_rate if copy_rate else 0.0
    print(
        f"ingest vs COPY           {ingest_rate:,.0f} rows/s in store.upsert ({meter.rows:,} rows, "
        f"{meter.seconds:.1f} s) vs {copy_rate:,.0f} rows/s COPY of the same {copied:,} rows: "
        f"{ratio:.2f}× (goal ≥ 0.25×)"
    )
