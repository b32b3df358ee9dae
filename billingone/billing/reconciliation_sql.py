"""Reconciliation as one set-based statement: licensed, billed, the shared-item allocation and a
digest of every client × product group, computed in the database into a temporary table.

Python then reads only the groups whose digest differs from their stored finding (or that are
new, gone, snoozed, or may be unmapped: the queue's mapping items are folded from those), so a
run over unchanged data turns no group into a Python object. The rules are in reconciliation.py;
the SQL is the same on PostgreSQL and SQLite (window functions, `||`, MD5: Django registers it
on SQLite).

Every fragment formatted into the SQL below is either this module's own text or SQL the ORM
generated with its parameters kept apart: nothing a person typed is formatted in.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Case, CharField, DateField, F, Q, Value, When
from django.db.models.functions import Abs, Coalesce, Concat, Lower, TruncMonth

from billingone.billing import reconciliation_queries as queries
from billingone.billing.finding_models import Finding
from billingone.billing.models import Customer
from billingone.integrations.records import BillingTerm

TABLE = "recon_groups"
# Part of every digest: change it when a rule changes, and the next run rewrites every finding.
RULES = "2026-11-27"
LINE_TYPES = {"client": "BIGINT", "target": "TEXT", "qty": "NUMERIC", "price": "NUMERIC", "month": "DATE"}
GROUP_COLUMNS = (
    "key",
    "client",
    "unlinked_customer",
    "label",
    "product_id",
    "product_label",
    "term",
    "source",
    "seat_days",
    "current",
    "price",
    "cost",
    "currency",
    "target",
    "billed",
    "invoice_price",
    "bits",
    "digest",
)


@dataclass(frozen=True)
class Inputs:
    """What the statement needs from Python: small, organization-wide values."""

    organization: object
    period: queries.Period
    targets: dict[int, str]  # product id → "code:<item code>" | "pattern:<text>"
    billing_keys: list[str]  # sorted: bit i of a group's `bits` says the client has a contact in billing_keys[i]
    unusable_vendors: list[str]
    context: str  # the sources' states and the as-of month: part of every digest
    client_ids: list[int] | None


def _lines(inputs: Inputs, long_start: date) -> tuple[str, list]:
    """Invoice lines billing one of the targets, as (client, target, qty, price, month) rows: this
    month's for every client, and back to `long_start` for clients holding an annual or multi-year
    licence, in one pass over the lines. A line's month is its service period's when it states
    one, else its invoice's."""
    codes = sorted({t[5:] for t in inputs.targets.values() if t.startswith("code:")})
    patterns = sorted({t[8:] for t in inputs.targets.values() if t.startswith("pattern:")})
    lines = queries.billed_lines_base(inputs.organization, inputs.client_ids).annotate(lcode=Lower("item_code"))
    matching = Q(lcode__in=codes) if codes else Q(pk__in=[])
    for pattern in patterns:
        matching |= Q(description__icontains=pattern)
    # A line with a mapped code bills that code; else the first pattern (in order) it contains.
    whens = [When(lcode__in=codes, then=Concat(Value("code:"), "lcode"))] if codes else []
    whens += [When(description__icontains=p, then=Value(f"pattern:{p}")) for p in patterns]
    period = inputs.period
    lines = lines.filter(matching).annotate(billed_on=Coalesce("period_start", "invoice__issue_date"))
    lines = lines.filter(billed_on__gte=long_start, billed_on__lte=period.month_end).filter(
        Q(billed_on__gte=period.month_start) | Q(invoice__customer__client_id__in=_long_term_clients(inputs))
    )
    fields = {
        "client": F("invoice__customer__client_id"),
        "target": Case(*whens, default=None, output_field=CharField()),
        "qty": Case(When(queries.CREDIT, then=-Abs(F("quantity"))), default=F("quantity")),
        "price": Case(When(~queries.CREDIT & Q(quantity__gt=0), then=F("unit_price"))),
        "month": TruncMonth("billed_on", output_field=DateField()),
    }
    return _sql(lines.annotate(**fields).values(*fields).order_by(), LINE_TYPES)


def _sql(queryset, columns: dict[str, str]) -> tuple[str, list]:
    """The queryset's SQL, or a select of no rows when it can match nothing (no mapped product)."""
    try:
        return queryset.query.sql_with_params()
    except EmptyResultSet:
        return "SELECT " + ", ".join(f'CAST(NULL AS {t}) AS "{c}"' for c, t in columns.items()) + " WHERE 1 = 0", []


def _long_term_clients(inputs: Inputs):
    """Clients holding an annual or multi-year licence: only their lines are read 12 (36) months back."""
    rows = queries.counted_subscriptions(inputs.organization, inputs.period)
    rows = rows.filter(billing_term__in=(BillingTerm.ANNUAL, BillingTerm.MULTI_YEAR), customer__client__isnull=False)
    if inputs.client_ids is not None:
        rows = rows.filter(customer__client_id__in=inputs.client_ids)
    return rows.values("customer__client_id")


def _targets_sql(targets: dict[int, str]) -> tuple[str, list]:
    if not targets:
        return "SELECT CAST(NULL AS INTEGER), CAST(NULL AS TEXT) WHERE 1 = 0", []
    params = [value for pair in sorted(targets.items()) for value in pair]
    return "VALUES " + ", ".join(["(%s, %s)"] * len(targets)), params


def _sources_sql(inputs: Inputs) -> tuple[str, list]:
    """Per client, a bit per billing source it has a contact in."""
    if not inputs.billing_keys:
        return "SELECT CAST(NULL AS INTEGER) AS client_id, 0 AS bits WHERE 1 = 0", []
    cases = " ".join("WHEN %s THEN %s" for _ in inputs.billing_keys)
    params = [value for i, key in enumerate(inputs.billing_keys) for value in (key, 1 << i)]
    marks = ", ".join(["%s"] * len(inputs.billing_keys))
    clients, client_params = "", []
    if inputs.client_ids is not None:  # a one-client run reads that client's contacts only
        clients = f" AND client_id IN ({', '.join(['%s'] * len(inputs.client_ids))})"
        client_params = list(inputs.client_ids)
    sql = (
        f"SELECT client_id, SUM(bit) AS bits FROM (SELECT DISTINCT client_id, CASE source {cases} END AS bit "
        f"FROM {Customer._meta.db_table} WHERE organization_id = %s AND client_id IS NOT NULL "
        f"AND removed_at IS NULL AND source IN ({marks}){clients}) s GROUP BY client_id"
    )
    return sql, [*params, inputs.organization.pk, *inputs.billing_keys, *client_params]


def _key_sql() -> str:
    owner = (
        "CASE WHEN client IS NOT NULL THEN 'c' || CAST(client AS TEXT) "
        "WHEN unlinked_customer IS NOT NULL THEN 'u' || CAST(unlinked_customer AS TEXT) "
        "ELSE 'u' || SUBSTR(MD5(COALESCE(label, '')), 1, 12) END"
    )
    product = (
        "CASE WHEN product_id IS NOT NULL THEN 'p' || CAST(product_id AS TEXT) "
        "ELSE 'n' || SUBSTR(MD5(COALESCE(product_label, '')), 1, 12) END"
    )
    return f"{owner} || ':' || {product} || ':' || term || ':' || source"


def _digest_sql() -> str:
    parts = ('"key"', "label", "product_label", "seat_days", '"current"', "price", "cost", "currency", "target")
    parts += ("billed", "invoice_price", "bits")
    text = " || '|' || ".join(f"COALESCE(CAST({part} AS TEXT), '~')" for part in parts)
    return f"MD5({text} || '|' || %s)"


def build_sql(inputs: Inputs) -> tuple[str, list]:
    period = inputs.period
    licensed = queries.licensed_groups(inputs.organization, period, inputs.client_ids)
    licensed_sql, licensed_params = licensed.query.sql_with_params()
    targets_sql, targets_params = _targets_sql(inputs.targets)
    multi = queries.counted_subscriptions(inputs.organization, period).filter(billing_term=BillingTerm.MULTI_YEAR)
    long_start = period.window_start(queries.MULTI_YEAR if multi.exists() else queries.ANNUAL)
    lines_sql, lines_params = _lines(inputs, long_start)
    sources_sql, sources_params = _sources_sql(inputs)
    sql = f"""
CREATE TEMP TABLE {TABLE} AS
WITH lic0 AS ({licensed_sql}),
targets(product_id, target) AS ({targets_sql}),
lic AS (
  SELECT lic0.*, targets.target AS target,
    CASE WHEN lic0.term = 'monthly' THEN ROUND(COALESCE(lic0.seat_days, 0) * 1.0 / %s, 2)
      ELSE ROUND(COALESCE(lic0."current", 0) * 1.0, 2) END AS licq
  FROM lic0 LEFT JOIN targets ON targets.product_id = lic0.product_id),
lines AS ({lines_sql}),
long_pairs AS (
  SELECT DISTINCT client, target, term FROM lic
  WHERE term <> 'monthly' AND client IS NOT NULL AND target IS NOT NULL),
long_months AS (
  SELECT l.client, l.target, p.term, l.month, SUM(l.qty) AS qty, MAX(l.price) AS price
  FROM lines l JOIN long_pairs p ON p.client = l.client AND p.target = l.target
  WHERE l.month >= CASE p.term WHEN 'annual' THEN %s ELSE %s END
  GROUP BY l.client, l.target, p.term, l.month),
billed AS (
  SELECT client, target, 'monthly' AS term, SUM(qty) AS qty, MAX(price) AS price
  FROM lines WHERE month = %s GROUP BY client, target
  UNION ALL
  SELECT client, target, term, MAX(qty), MAX(price) FROM long_months GROUP BY client, target, term),
pooled AS (
  SELECT lic.*, b.qty AS pool_qty, b.price AS pool_price,
    ROW_NUMBER() OVER pool AS pos,
    COUNT(*) OVER (PARTITION BY lic.client, lic.target, lic.term) AS members,
    COALESCE(SUM(licq) OVER (pool ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS prior_licq
  FROM lic LEFT JOIN billed b ON b.client = lic.client AND b.target = lic.target AND b.term = lic.term
  WINDOW pool AS (PARTITION BY lic.client, lic.target, lic.term ORDER BY lic.product_id, lic.source)),
remaining AS (
  SELECT pooled.*,
    CASE WHEN pos = 1 THEN pool_qty WHEN pool_qty - prior_licq > 0 THEN pool_qty - prior_licq ELSE 0 END AS rem
  FROM pooled),
shared AS (
  SELECT remaining.*,
    CASE WHEN pool_qty IS NULL THEN 0 WHEN pos = members OR rem < licq THEN rem ELSE licq END AS billed,
    pool_price AS invoice_price
  FROM remaining),
srcs AS ({sources_sql}),
keyed AS (
  SELECT {_key_sql()} AS "key", shared.*, COALESCE(srcs.bits, 0) AS bits
  FROM shared LEFT JOIN srcs ON srcs.client_id = shared.client)
SELECT {", ".join(f'keyed."{c}"' for c in GROUP_COLUMNS[:-1])}, {_digest_sql()} AS digest FROM keyed
"""
    params = [*licensed_params, *targets_params, period.month_days, *lines_params]
    params += [period.window_start(queries.ANNUAL), period.window_start(queries.MULTI_YEAR), period.month_start]
    params += [*sources_params, f"{RULES}|{period.month_start}|{inputs.context}"]
    return sql, params


class GroupTable:
    """The grouped results of one run, in a temporary table, read selectively."""

    def __init__(self, inputs: Inputs) -> None:
        self.inputs = inputs

    def _finding_scope(self) -> tuple[str, list]:
        sql = "f.organization_id = %s AND f.scope = %s"
        params = [self.inputs.organization.pk, Finding.Scope.PRODUCT]
        if self.inputs.client_ids is not None:
            if not self.inputs.client_ids:
                return sql + " AND 1 = 0", params
            sql += f" AND f.client_id IN ({', '.join(['%s'] * len(self.inputs.client_ids))})"
            params += list(self.inputs.client_ids)
        return sql, params

    def rows_to_read(self) -> Iterator[dict]:
        """Groups that are new, changed, no longer current, snoozed (the date may have passed), or
        that may be unmapped (the queue's mapping items are folded from those), with their finding id."""
        inputs = self.inputs
        maybe_unmapped = "g.client IS NULL OR g.target IS NULL"
        if inputs.billing_keys:
            maybe_unmapped += " OR g.bits = 0"
        params = [inputs.organization.pk, Finding.Scope.PRODUCT]
        if inputs.unusable_vendors:
            marks = ", ".join(["%s"] * len(inputs.unusable_vendors))
            maybe_unmapped = f"({maybe_unmapped}) AND g.source NOT IN ({marks})"
        columns = ", ".join(f'g."{c}"' for c in GROUP_COLUMNS)
        sql = (
            f"SELECT {columns}, f.id FROM {TABLE} g LEFT JOIN {Finding._meta.db_table} f "
            'ON f.organization_id = %s AND f."key" = g."key" AND f.scope = %s '
            f"WHERE f.id IS NULL OR f.digest <> g.digest OR NOT f.current OR f.status = 'snoozed' OR {maybe_unmapped}"
        )
        params += inputs.unusable_vendors
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            while batch := cursor.fetchmany(2000):
                for row in batch:
                    yield {**dict(zip(GROUP_COLUMNS, row, strict=False)), "finding_id": row[-1]}

    def gone_ids(self) -> list[int]:
        """Current client × product findings in this run's scope that no group produced any more."""
        scope, params = self._finding_scope()
        sql = (
            f"SELECT f.id FROM {Finding._meta.db_table} f WHERE {scope} AND f.current "
            f'AND NOT EXISTS (SELECT 1 FROM {TABLE} g WHERE g."key" = f."key")'
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]

    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")
            return cursor.fetchone()[0]


@contextmanager
def grouped(inputs: Inputs) -> Iterator[GroupTable]:
    """Compute every group into the temporary table for the duration of the block."""
    sql, params = build_sql(inputs)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(sql, params)
        # Findings are looked up by key both ways: an index keeps either plan linear even when
        # the planner's statistics lag behind a bulk write (it then picks nested loops). Cheaper
        # than analysing the table (a second or more for 100,000 groups).
        cursor.execute(f'CREATE INDEX {TABLE}_key ON {TABLE} ("key")')
    try:
        yield GroupTable(inputs)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
