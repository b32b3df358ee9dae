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

Set-based: one grouped query for licensed, one for billed (grouped by client × item × month,
folded per term window in SQL), a handful of lookups; Python only joins the grouped rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from billingone.audit.log import record
from billingone.billing import reconciliation_queries as queries
from billingone.billing.coverage import SourceCoverage, row_counts, source_coverage
from billingone.billing.finding_models import Finding, Outcome, ReconciliationRun
from billingone.billing.findings import Result, mapping_results, no_data_result, result_for
from billingone.billing.findings_store import store
from billingone.billing.models import Customer, ProductItemMapping
from billingone.integrations.base import Side
from billingone.notifications.notify import notify
from billingone.orgs.models import Organization

ZERO = Decimal(0)
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


def billing_sources_by_client(organization, billing_keys: set[str], client_ids=None) -> dict[int, set[str]]:
    rows = Customer.objects.filter(
        organization=organization, client__isnull=False, removed_at__isnull=True, source__in=billing_keys
    )
    if client_ids is not None:
        rows = rows.filter(client_id__in=client_ids)
    found: dict[int, set[str]] = defaultdict(set)
    for client_id, source in rows.values_list("client_id", "source").distinct().order_by():
        found[client_id].add(source)
    return found


def compute(organization, as_of: date, client_ids: list[int] | None = None) -> Computation:
    period = queries.Period(as_of)
    counts = row_counts(organization)
    coverage = source_coverage(organization, counts=counts)
    by_source = {c.source: c for c in coverage}
    billing_keys = {c.source for c in coverage if c.side == Side.BILLING}
    targets = product_targets(organization)
    distinct_targets = sorted(set(targets.values()), key=lambda t: t.label)
    licensed = list(queries.licensed_groups(organization, period, client_ids))
    # Annual and multi-year groups look back 12 or 36 months: only for their clients and items.
    long_terms: dict[str, tuple[set, set]] = {queries.ANNUAL: (set(), set()), queries.MULTI_YEAR: (set(), set())}
    for group in licensed:
        target = targets.get(group["product_id"])
        if group["term"] in long_terms and group["client"] is not None and target is not None:
            long_terms[group["term"]][0].add(group["client"])
            long_terms[group["term"]][1].add(target)
    billed = queries.billed_by_target(organization, period, distinct_targets, client_ids, long_terms)
    client_sources = billing_sources_by_client(organization, billing_keys, client_ids)
    context = JoinContext(period, by_source, billing_keys, targets, distinct_targets, billed, client_sources)
    results = [context.result(group) for group in context.allocate(licensed)]
    if client_ids is None:  # a one-client run leaves the organization-wide mapping items as they are
        results += mapping_results(results)
    results += source_results(coverage)  # org-wide and cheap: refreshed by every run
    return Computation(results, coverage, counts)


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
    period: queries.Period
    by_source: dict[str, SourceCoverage]
    billing_keys: set[str]
    targets: dict[int, Target]
    distinct_targets: list[Target]
    billed: dict[tuple[int, int], queries.Billed]
    client_sources: dict[int, set[str]]

    def __post_init__(self) -> None:
        self.target_index = {target: i for i, target in enumerate(self.distinct_targets)}

    def billed_row(self, client_id: int, target: Target) -> queries.Billed | None:
        return self.billed.get((client_id, self.target_index[target]))

    def allocate(self, groups: list[dict]) -> list[dict]:
        """Set each mapped group's billed quantity; products sharing an item share its quantity."""
        pools: dict[tuple, list[dict]] = defaultdict(list)
        for group in groups:
            target = self.targets.get(group["product_id"])
            group["target"] = target
            group["billed"], group["invoice_price"] = ZERO, None
            if target is not None and group["client"] is not None:
                pools[(group["client"], target, group["term"])].append(group)
        for (client_id, target, term), members in pools.items():
            row = self.billed_row(client_id, target)
            if row is None:
                continue
            remaining, price = row.quantity(term), row.price(term)
            members.sort(key=lambda g: (g["product_id"], g["source"]))
            for index, group in enumerate(members):
                last = index == len(members) - 1
                share = remaining if last else min(remaining, queries.licensed_quantity(group, self.period))
                group["billed"], group["invoice_price"] = share, price
                remaining -= share
        return groups

    def result(self, group: dict) -> Result:
        outcome, reason = self.classify(group)
        return result_for(group, self.period, outcome, reason, self.client_sources.get(group["client"], set()))

    def classify(self, group: dict) -> tuple[str, str]:
        vendor = self.by_source.get(group["source"])
        if vendor is not None and not vendor.usable:
            return Outcome.NO_DATA, vendor.reason
        if group["client"] is None:
            return Outcome.UNMAPPED, f"{group['label']} ({group['source']}) is not linked to a client."
        if group["target"] is None:
            return Outcome.UNMAPPED, f"{group['product_label']} is not mapped to an accounting item."
        if not self.billing_keys:
            return Outcome.NO_DATA, "No accounting integration is connected: billing was not read."
        sources = self.client_sources.get(group["client"], set())
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
    """Counts and monthly money per outcome over every current client × product result."""
    totals = {kind: {"count": 0, "monthly_amount": ZERO} for kind in Outcome.values}
    rows = (
        Finding.objects.filter(organization=organization, current=True, scope=Finding.Scope.PRODUCT)
        .values_list("kind")
        .annotate(count=Count("id"), amount=Sum("monthly_impact"))
        .order_by()
    )
    for kind, count, amount in rows:
        totals[kind] = {"count": count, "monthly_amount": Decimal(amount or 0).quantize(Decimal("0.01"))}
    return totals


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
        stored = store(organization, computation.results, client_ids, now)
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
    """Let PostgreSQL group a million invoice lines in memory for this transaction, not on disk."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '128MB'")


def json_summary(totals: dict[str, dict]) -> dict[str, dict]:
    return {kind: {"count": v["count"], "monthly_amount": f"{v['monthly_amount']:.2f}"} for kind, v in totals.items()}


def announce(organization, run: ReconciliationRun, found: list) -> None:
    """One notification per run, for new or grown under-billing only, linking to the queue."""
    if not found:
        return
    impact = sum((result.monthly_impact for result in found), ZERO)
    currencies = {result.currency for result in found if result.currency}
    currency = currencies.pop() if len(currencies) == 1 else ""
    context = {"count": len(found), "impact": f"{currency} {impact:,.2f}".strip(), "run": run.pk}
    notify("billing.missed_found", organization, context, dedupe_key=f"billing.missed_found:{run.pk}")
