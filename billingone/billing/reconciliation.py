"""Reconciliation: for each client × product, what is licensed against what is billed.

The rules (PRODUCT.md "Reconciliation and missed billing"), as built here:

- Licensed comes from vendor-side subscriptions (Pax8, Synergy, … any source with side=vendor),
  grouped by the subscription's confirmed client, its product and its billing term group:
  * monthly (monthly, annual paid monthly, other): the current calendar month, prorated by the
    subscriptions' dates: Σ quantity × days active in the month ÷ days in the month. A seat
    added on the 16th of a 30-day month counts as half a seat; a subscription cancelled
    mid-month still counts for the days it ran.
  * annual / multi-year: the quantity active on the as-of date (billed once per term).
  Counted: status active, plus cancelled ones whose end date falls in the month (prorating).
  Not counted: trials (not billable until converted), one-time purchases, and free
  subscriptions (price 0 with no cost, e.g. an included SKU). A price of 0 with a real cost is
  still counted: the MSP pays for it, so it should be billed.
- Billed comes from invoice lines of the client's customers in billing-side sources (Xero,
  QuickBooks, SuperOps, … whichever bills that client), matched to the product by its
  confirmed mapping (item code, or a description pattern). A line belongs to the month of its
  service period start when it states one, else of its invoice date. Drafts (except the ones
  BillingOne pushed: drafts.py) and voided invoices do not count; credit notes subtract in the
  month they are dated.
  * monthly groups: the current month's quantity (sum of its lines, credits subtracted).
  * annual: the largest monthly quantity over the last 12 months (the term's invoice);
    multi-year: over the last 36 months. An annual licence billed once a year is matched.
  Several products mapped to one item share its billed quantity, allocated in product order.
- Outcomes: under-billed (licensed > billed), over-billed (billed > both the prorated and the
  current quantity: a mid-month addition billed for the whole month is not over-billed),
  matched, unmapped (company not linked to a client, client without an accounting contact,
  product without a confirmed mapping) and no data (the vendor or one of the client's billing
  sources is missing, failed, stale or empty: see coverage.py).
- Impact is per month: gap × unit price, the invoice's price if the client is billed for the
  product in the window, else the vendor price, else the vendor cost. Annual prices are per
  year (÷ 12), multi-year per 36 months.

Set-based: one statement computes every group, its billed share and a digest of its inputs in
the database (reconciliation_sql.py); Python classifies only the groups that are new or changed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from billingone.audit.log import record
from billingone.billing import reconciliation_queries as queries
from billingone.billing import reconciliation_sql as rsql
from billingone.billing.coverage import SourceCoverage, row_counts, source_coverage
from billingone.billing.finding_models import Finding, Outcome, ReconciliationRun
from billingone.billing.findings import Result, mapping_results, no_data_result, result_for
from billingone.billing.findings_store import store
from billingone.billing.models import ProductItemMapping
from billingone.integrations.base import Side
from billingone.notifications.notify import notify
from billingone.orgs.models import Organization

ZERO = Decimal(0)
CENTS = Decimal("0.01")
TOLERANCE = Decimal("0.005")


@dataclass(frozen=True)
class Target:
    """What bills a product: an item code or a line-description pattern (lower-case)."""

    kind: str  # "code" | "pattern"
    value: str

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.value}"


@dataclass
class Computation:
    results: list[Result]
    coverage: list[SourceCoverage]
    row_counts: dict[str, dict[str, int]]
    groups: int = 0  # client × product groups computed in SQL (most are not in `results`: unchanged)
    finding_ids: dict[str, int | None] = field(default_factory=dict)  # group key → its stored finding
    gone_ids: list[int] = field(default_factory=list)  # stored client × product findings no group produced


def product_targets(organization) -> dict[int, Target]:
    """Confirmed mappings only: a suggestion is not a decision."""
    targets = {}
    rows = ProductItemMapping.objects.filter(organization=organization, confirmed=True)
    for product_id, code, pattern in rows.values_list("product_id", "item_code", "description_pattern"):
        if code.strip():
            targets[product_id] = Target("code", code.strip().lower())
        elif pattern.strip():
            targets[product_id] = Target("pattern", pattern.strip().lower())
    return targets


def compute(organization, as_of: date, client_ids: list[int] | None = None) -> Computation:
    """The results of this run that may need writing: every client × product group that is new
    or changed since its stored finding (unchanged ones stay in the database, see
    reconciliation_sql.py), the organization's mapping items and its unusable sources."""
    period = queries.Period(as_of)
    counts = row_counts(organization)
    coverage = source_coverage(organization, counts=counts)
    by_source = {c.source: c for c in coverage}
    billing_keys = sorted(c.source for c in coverage if c.side == Side.BILLING)
    targets = product_targets(organization)
    context = JoinContext(period, by_source, billing_keys, targets)
    computation = Computation([], coverage, counts)
    if client_ids is None or client_ids:
        inputs = rsql.Inputs(
            organization=organization,
            period=period,
            targets={product_id: target.label for product_id, target in targets.items()},
            billing_keys=billing_keys,
            unusable_vendors=sorted(c.source for c in coverage if not c.usable),
            context=" ".join(f"{c.source}:{c.side}:{c.state}:{c.reason}" for c in coverage),
            client_ids=client_ids,
        )
        with rsql.grouped(inputs) as table:
            for group in table.rows_to_read():
                computation.results.append(context.result(group))
                computation.finding_ids[group["key"]] = group["finding_id"]
            computation.groups = table.count()
            computation.gone_ids = table.gone_ids()
    if client_ids is None:  # a one-client run leaves the organization-wide mapping items as they are
        computation.results += mapping_results(computation.results)
    computation.results += source_results(coverage)  # org-wide and cheap: refreshed by every run
    return computation


def source_results(coverage: list[SourceCoverage]) -> list[Result]:
    """One no-data finding per source that cannot be trusted, and for a missing side."""
    results = [no_data_result(f"source:{c.source}", c.source, c.name, c.reason) for c in coverage if not c.usable]
    sides = {c.side for c in coverage}
    if Side.VENDOR not in sides:
        reason = "No vendor integration (Pax8, Synergy Wholesale, …) is connected: nothing was reconciled."
        results.append(no_data_result("source:vendor", "", "Vendor", reason))
    if Side.BILLING not in sides:
        reason = "No accounting integration (Xero, QuickBooks, SuperOps, …) is connected: billing was not read."
        results.append(no_data_result("source:billing", "", "Accounting", reason))
    return results


@dataclass
class JoinContext:
    """Classifies one grouped row (licensed, billed, its client's billing sources) into a result."""

    period: queries.Period
    by_source: dict[str, SourceCoverage]
    billing_keys: list[str]
    targets: dict[int, Target]

    def client_sources(self, bits: int) -> set[str]:
        return {key for i, key in enumerate(self.billing_keys) if int(bits or 0) & (1 << i)}

    def result(self, row: dict) -> Result:
        group = {**row, "target": self.targets.get(row["product_id"]) if row["target"] else None}
        for name in ("seat_days", "current", "billed"):
            group[name] = queries.as_decimal(group[name])
        for name in ("price", "cost", "invoice_price"):
            group[name] = None if group[name] is None else queries.as_decimal(group[name])
        sources = self.client_sources(group["bits"])
        outcome, reason = self.classify(group, sources)
        result = result_for(group, self.period, outcome, reason, sources)
        result.input_digest = group["digest"]
        return result

    def classify(self, group: dict, sources: set[str]) -> tuple[str, str]:
        vendor = self.by_source.get(group["source"])
        if vendor is not None and not vendor.usable:
            return Outcome.NO_DATA, vendor.reason
        if group["client"] is None:
            return Outcome.UNMAPPED, f"{group['label']} ({group['source']}) is not linked to a client."
        if group["target"] is None:
            return Outcome.UNMAPPED, f"{group['product_label']} is not mapped to an accounting item."
        if not self.billing_keys:
            return Outcome.NO_DATA, "No accounting integration is connected: billing was not read."
        if not sources:
            return Outcome.UNMAPPED, f"{group['label']} is not linked to an accounting contact."
        broken = [self.by_source[s] for s in sorted(sources) if not self.by_source[s].usable]
        if broken:
            return Outcome.NO_DATA, broken[0].reason
        return self.compare(group), ""

    def compare(self, group: dict) -> str:
        licensed = queries.licensed_quantity(group, self.period)
        billed = group["billed"]
        if billed < licensed - TOLERANCE:
            return Outcome.UNDER_BILLED
        if billed > max(licensed, group["current"] or ZERO) + TOLERANCE:
            return Outcome.OVER_BILLED
        return Outcome.MATCHED


def summary(organization) -> dict[str, dict]:
    """Counts and monthly money per outcome over every current client × product result, per
    currency: amounts in different currencies are never added into one figure. `monthly_amount`
    and `currency` are set when an outcome's findings share one currency, else None (see
    `by_currency`)."""
    per_currency: dict[str, list[dict]] = {kind: [] for kind in Outcome.values}
    rows = (
        Finding.objects.filter(organization=organization, current=True, scope=Finding.Scope.PRODUCT)
        .values_list("kind", "currency")
        .annotate(count=Count("id"), amount=Sum("monthly_impact"))
        .order_by("kind", "currency")
    )
    for kind, currency, count, amount in rows:
        amount = Decimal(amount or 0).quantize(CENTS)
        per_currency[kind].append({"currency": currency, "count": count, "monthly_amount": amount})
    return {kind: money_total(entries) for kind, entries in per_currency.items()}


def money_total(entries: list[dict]) -> dict:
    """{count, monthly_amount, currency, by_currency} of per-currency entries, most money first."""
    entries = sorted(entries, key=lambda e: (-e["monthly_amount"], e["currency"]))
    single = entries[0] if len(entries) == 1 else None
    return {
        "count": sum(e["count"] for e in entries),
        "monthly_amount": single["monthly_amount"] if single else (ZERO if not entries else None),
        "currency": single["currency"] if single else None,
        "by_currency": entries,
    }


def json_summary(totals: dict[str, dict]) -> dict[str, dict]:
    def money(value):
        return None if value is None else f"{value:.2f}"

    return {
        kind: {
            "count": v["count"],
            "monthly_amount": money(v["monthly_amount"]),
            "currency": v["currency"],
            "by_currency": [{**e, "monthly_amount": money(e["monthly_amount"])} for e in v["by_currency"]],
        }
        for kind, v in totals.items()
    }


def reconcile_organization(
    organization, trigger: str, *, client_ids: list[int] | None = None, actor=None, as_of: date | None = None
) -> ReconciliationRun:
    """Reconcile the organization (or only `client_ids`), store the findings, announce new ones.

    Runs after every successful vendor or billing sync, on demand and by a `reconcile` sync mode.
    The organization's row is locked for the run, so two syncs finishing together take turns.
    """
    now = timezone.now()
    as_of = as_of or timezone.localdate()
    scope = "all" if client_ids is None else f"clients:{len(client_ids)}"
    with transaction.atomic():
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
        roomy_sorts()
        computation = compute(organization, as_of, client_ids)
        stored = store(organization, computation, client_ids, now)
        run = ReconciliationRun.objects.create(
            organization=organization,
            trigger=trigger[:40],
            scope=scope,
            as_of=as_of,
            started_at=now,
            finished_at=timezone.now(),
            actor=actor,
            summary=json_summary(summary(organization)),
            row_counts=computation.row_counts,
            created=stored.created,
            updated=stored.updated,
            unchanged=stored.unchanged,
            resolved=stored.resolved,
            new_or_grown=len(stored.new_or_grown),
        )
        data = {"trigger": run.trigger, "scope": scope, "created": run.created, "updated": run.updated}
        data |= {"resolved": run.resolved, "reopened": stored.reopened, "new_or_grown": run.new_or_grown}
        record("reconciliation.run", organization=organization, actor=actor, target=run, data=data)
    announce(organization, run, stored.new_or_grown)
    return run


def roomy_sorts() -> None:
    """Let PostgreSQL group a million invoice lines in memory for this transaction, not on disk,
    and skip JIT compilation: for this one statement it cost seconds (600+ functions) and saved none."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '128MB'")
            cursor.execute("SET LOCAL jit = off")


def announce(organization, run: ReconciliationRun, found: list) -> None:
    """One notification per run, for new or grown under-billing only, linking to the queue."""
    if not found:
        return
    impact: dict[str, Decimal] = defaultdict(Decimal)
    for result in found:
        impact[result.currency] += result.monthly_impact
    # Never one figure over several currencies: "AUD 120.00 + USD 30.00".
    text = " + ".join(f"{currency} {amount:,.2f}".strip() for currency, amount in sorted(impact.items()))
    context = {"count": len(found), "impact": text, "run": run.pk}
    notify("billing.missed_found", organization, context, dedupe_key=f"billing.missed_found:{run.pk}")
