"""Bulk writes for the store: one INSERT … ON CONFLICT per batch, through COPY on PostgreSQL.

Why not bulk_create: building one model instance per row and one giant statement per page costs
more than the network and the database together. Values still go through each field's
get_db_prep_save (where the field changes them), so the database sees what the ORM would send.

On PostgreSQL a batch is streamed with COPY into a session-lifetime temporary table of the same
columns and merged with one `WITH batch AS (DELETE … RETURNING) INSERT … SELECT … ON CONFLICT`:
the server plans one statement instead of one per row, which makes the write about three times
faster (bench/pax8_sync.py prints ingest ÷ COPY). Deleting the staged rows in the same statement
keeps the staging table empty for the next batch, even inside one long transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from operator import itemgetter

from django.db import connection as db
from django.db import models, transaction

# Below this many rows a batch (a delta's few changed rows) is cheaper as one executemany than
# as staging-table DDL + COPY + merge.
COPY_FROM_ROWS = 50


@models.Field.register_lookup
class AnyOf(models.Lookup):
    """`external_id__any_of=ids`: one array parameter on PostgreSQL (`= ANY(%s)`) instead of
    `IN (%s, %s, …)` with a placeholder per id, which psycopg and Django parse and adapt one by
    one (a sixth of a 1,000-invoice batch's time went there)."""

    lookup_name = "any_of"
    prepare_rhs = False  # the values are prepared one by one below, not as one value

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = [self.lhs.output_field.get_prep_value(value) for value in self.rhs]
        if not values:
            return "1 = 0", []
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


def insert_rows(model, values: list[dict], conflict: tuple[str, ...] = (), keep: tuple[str, ...] = ()) -> None:
    """Insert `values` (dicts keyed by attname, all with the same keys) in one statement;
    with `conflict` naming the unique key, existing rows are updated except the columns in
    `keep`, which are written on insert only."""
    if not values:
        return
    fields = [model._meta.get_field(name) for name in values[0]]
    if db.vendor == "postgresql" and len(values) >= COPY_FROM_ROWS:
        _copy_insert(model, fields, _copy_rows(fields, values), conflict, keep)
        return
    params = [tuple(f.get_db_prep_save(row[f.attname], db) for f in fields) for row in values]
    with db.cursor() as cursor:
        cursor.executemany(_insert_sql(model, fields, "VALUES", conflict, keep), params)


def _copy_rows(fields, values: list[dict]) -> list:
    """Rows for COPY. COPY's text format takes our values as they are (str, numbers, dates,
    bools, None), so Django's per-field preparation, which costs more than the COPY itself, runs
    only where it changes something: JSON (a dict needs its adapter) and naive datetimes (the
    zone Django would give them)."""
    pick = itemgetter(*(f.attname for f in fields))
    rows = [pick(row) for row in values] if len(fields) > 1 else [(pick(row),) for row in values]
    special = [
        (i, _preparer(f)) for i, f in enumerate(fields) if isinstance(f, models.JSONField | models.DateTimeField)
    ]
    if not special:
        return rows
    prepared = []
    for row in rows:
        row = list(row)
        for i, prepare in special:
            row[i] = prepare(row[i])
        prepared.append(row)
    return prepared


def _preparer(field) -> Callable:
    def prepare(value):
        if value is None or (type(value) is datetime and value.tzinfo is not None):
            return value
        return field.get_db_prep_save(value, db)

    return prepare


def _insert_sql(model, fields, source: str, conflict: tuple[str, ...], keep: tuple[str, ...]) -> str:
    quote = db.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    # Identifiers come from model metadata, never from input; values are parameters or COPY data.
    rows = f"VALUES ({placeholders})" if source == "VALUES" else f"SELECT {columns} FROM {source}"  # noqa: S608
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) {rows}"
    if conflict:
        keys = {model._meta.get_field(name).column for name in conflict}
        kept = {model._meta.get_field(name).column for name in keep}
        updates = ", ".join(
            f"{quote(f.column)} = excluded.{quote(f.column)}" for f in fields if f.column not in keys | kept
        )
        sql += f" ON CONFLICT ({', '.join(quote(key) for key in sorted(keys))}) DO UPDATE SET {updates}"
    return sql


def _copy_insert(model, fields, params: list[tuple], conflict: tuple[str, ...], keep: tuple[str, ...]) -> None:
    quote = db.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    table = quote(model._meta.db_table)
    # atomic(savepoint=False): the COPY and the merge commit together, and nested in the
    # store's transaction it adds no statement.
    with transaction.atomic(savepoint=False), db.cursor() as cursor:
        if not conflict:
            _copy(cursor, f"COPY {table} ({columns}) FROM STDIN", params)
            return
        staging = _staging_table(cursor, model, columns)
        _copy(cursor, f"COPY {staging} ({columns}) FROM STDIN", params)
        merge = _insert_sql(model, fields, "batch", conflict, keep)
        cursor.execute(f"WITH batch AS (DELETE FROM {staging} RETURNING {columns}) {merge}")  # noqa: S608


def _staging_table(cursor, model, columns: str) -> str:
    """A temporary table with exactly these columns of `model`'s table, created once per
    database session (IF NOT EXISTS: cheap, and right after a reconnect or a rollback)."""
    digest = hashlib.blake2b(columns.encode(), digest_size=4).hexdigest()
    name = db.ops.quote_name(f"staging_{model._meta.db_table}_{digest}")
    source = db.ops.quote_name(model._meta.db_table)
    cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {name} AS SELECT {columns} FROM {source} WITH NO DATA")  # noqa: S608
    return name


def _copy(cursor, sql: str, params: list[tuple]) -> None:
    # COPY is not a statement Django can log; psycopg's copy streams the rows in its own format.
    with cursor.cursor.copy(sql) as copy:
        for row in params:
            copy.write_row(row)
