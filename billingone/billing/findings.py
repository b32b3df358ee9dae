"""A reconciliation result as plain values: its stable key, figures, severity and suggested action.

Severity is by monthly impact: under-billed ≥ 500 a month is high, ≥ 100 medium, else low;
an unmapped product is medium when what it would bill reaches 100 a month, else low; a source
that cannot be read is high (nothing behind it can be trusted); over-billed is informational.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from billingone.billing.finding_models import SEVERITY_RANK, Finding, Outcome, Severity
from billingone.billing.reconciliation_queries import MONTHS_PER_TERM, Period, licensed_quantity

ZERO = Decimal(0)
CENTS = Decimal("0.01")
HIGH_IMPACT, MEDIUM_IMPACT = Decimal(500), Decimal(100)


@dataclass
class Result:
    key: str
    scope: str
    client_id: int | None
    customer_id: int | None
    product_id: int | None
    client_label: str
    product_label: str
    source: str
    billing_sources: str
    term: str
    kind: str
    licensed: Decimal
    billed: Decimal
    gap: Decimal
    unit_price: Decimal | None
    price_source: str
    monthly_impact: Decimal
    currency: str
    severity: str
    reason: str
    suggested_action: str
    item_target: str
    # The digest of the group's inputs, computed in SQL (reconciliation_sql.py): stored as the
    # finding's digest, so the next run can tell an unchanged group without reading it.
    input_digest: str = ""

    @property
    def queued(self) -> bool:
        """Under- and over-billing per client × product; what is unmapped or unreadable once per
        thing to fix (a product, a company, a client, a source), not once per row it affects."""
        if self.kind in (Outcome.UNDER_BILLED, Outcome.OVER_BILLED):
            return True
        return self.scope != Finding.Scope.PRODUCT and self.kind in (Outcome.UNMAPPED, Outcome.NO_DATA)

    @property
    def severity_rank(self) -> int:
        return SEVERITY_RANK[self.severity]

    @property
    def digest(self) -> str:
        if self.input_digest:
            return self.input_digest
        # The queue rule is part of it: a finding stored under an older rule is rewritten.
        values = (*(getattr(self, name) for name in STORED_FIELDS), self.queued)
        return hashlib.md5(repr(values).encode(), usedforsecurity=False).hexdigest()

    def fields(self) -> dict:
        values = {name: getattr(self, name) for name in STORED_FIELDS}
        return values | {"queued": self.queued, "severity_rank": self.severity_rank, "digest": self.digest}


STORED_FIELDS = tuple(name for name in Result.__dataclass_fields__ if name not in ("key", "input_digest"))


def _short_hash(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:12]


def unit_price(group: dict) -> tuple[Decimal | None, str]:
    for value, source in ((group.get("invoice_price"), "invoice"), (group["price"], "vendor"), (group["cost"], "cost")):
        if value:
            return Decimal(value), source
    return None, ""


def result_for(group: dict, period: Period, outcome: str, reason: str, billing_sources: set[str]) -> Result:
    licensed = licensed_quantity(group, period)
    billed = Decimal(group["billed"]).quantize(CENTS)
    price, price_source = unit_price(group)
    gap = licensed - billed if outcome in (Outcome.UNDER_BILLED, Outcome.OVER_BILLED, Outcome.MATCHED) else ZERO
    if outcome == Outcome.OVER_BILLED:
        gap = max(licensed, Decimal(group["current"] or 0)) - billed  # only what exceeds every licensed figure
    per_month = (price or ZERO) / MONTHS_PER_TERM[group["term"]]
    if outcome in (Outcome.UNMAPPED, Outcome.MATCHED):
        impact = (licensed * per_month).quantize(CENTS)  # what it (would) bill each month
    elif outcome == Outcome.NO_DATA:
        impact = ZERO
    else:
        impact = (abs(gap) * per_month).quantize(CENTS)
    target = group.get("target")
    return Result(
        key=group["key"],  # client × product × term × source, built in SQL (reconciliation_sql.py)
        scope=Finding.Scope.PRODUCT,
        client_id=group["client"],
        customer_id=group["unlinked_customer"],
        product_id=group["product_id"],
        client_label=(group["label"] or "")[:255],
        product_label=(group["product_label"] or "")[:255],
        source=group["source"],
        billing_sources=" ".join(sorted(billing_sources)),
        term=group["term"],
        kind=outcome,
        licensed=licensed,
        billed=billed,
        gap=gap.quantize(CENTS),
        unit_price=price,
        price_source=price_source,
        monthly_impact=impact,
        currency=(group["currency"] or "")[:3],
        severity=severity(outcome, impact),
        reason=reason[:300],
        suggested_action=suggested_action(outcome, group, gap, reason)[:300],
        item_target=target.label[:210] if target else "",
    )


def no_data_result(key: str, source: str, label: str, reason: str) -> Result:
    return Result(
        key=key,
        scope=Finding.Scope.SOURCE,
        client_id=None,
        customer_id=None,
        product_id=None,
        client_label="",
        product_label=label,
        source=source,
        billing_sources="",
        term="",
        kind=Outcome.NO_DATA,
        licensed=ZERO,
        billed=ZERO,
        gap=ZERO,
        unit_price=None,
        price_source="",
        monthly_impact=ZERO,
        currency="",
        severity=Severity.HIGH,
        reason=reason[:300],
        suggested_action=f"Reconnect or sync {label}; until then its figures are not compared."[:300],
        item_target="",
    )


def severity(outcome: str, impact: Decimal) -> str:
    if outcome == Outcome.UNDER_BILLED:
        return Severity.HIGH if impact >= HIGH_IMPACT else Severity.MEDIUM if impact >= MEDIUM_IMPACT else Severity.LOW
    if outcome == Outcome.UNMAPPED:
        return Severity.MEDIUM if impact >= MEDIUM_IMPACT else Severity.LOW
    if outcome == Outcome.NO_DATA:
        return Severity.MEDIUM
    return Severity.INFO


def suggested_action(outcome: str, group: dict, gap: Decimal, reason: str) -> str:
    client, product = group["label"] or "this client", group["product_label"] or "this product"
    if outcome == Outcome.UNDER_BILLED:
        every = {"monthly": "monthly", "annual": "annual", "multi_year": "multi-year"}[group["term"]]
        return f"Bill {client} for {_qty(gap)} more × {product} on the next {every} invoice."
    if outcome == Outcome.OVER_BILLED:
        return f"{client} is billed {_qty(-gap)} more × {product} than licensed: correct the invoice or credit it."
    if outcome == Outcome.UNMAPPED:
        if group["client"] is None:
            return f"Link {client} ({group['source']}) to a client on the Clients page."
        if group.get("target") is None:
            return f"Map {product} to the accounting item that bills it on the Products page."
        return f"Link {client} to its accounting contact on the Clients page."
    if outcome == Outcome.NO_DATA:
        return f"Fix the source first: {reason}"
    return ""


def _qty(value: Decimal) -> str:
    return f"{value.normalize():f}"


def mapping_results(results: list[Result]) -> list[Result]:
    """One queue item per thing to map: a product without an item, a company not linked to a
    client, a client without an accounting contact; with how many rows and how much it affects."""
    groups: dict[str, list[Result]] = {}
    for result in results:
        if result.kind != Outcome.UNMAPPED or result.scope != Finding.Scope.PRODUCT:
            continue
        if result.client_id is None:
            key = f"company:{result.customer_id or _short_hash(result.client_label)}"
        elif not result.item_target:
            key = f"product:{result.product_id or _short_hash(result.product_label)}"
        else:
            key = f"contact:{result.client_id}"
        groups.setdefault(key, []).append(result)
    return [_mapping_result(key, rows) for key, rows in groups.items()]


def _mapping_result(key: str, rows: list[Result]) -> Result:
    first, what = rows[0], key.partition(":")[0]
    impact = sum((row.monthly_impact for row in rows), ZERO)
    clients = len({row.client_id or row.customer_id for row in rows})
    stake = f"~{impact:,.2f} {first.currency}/month".strip()
    if what == "product":
        label, product = f"{clients} client{'s' if clients != 1 else ''}", first.product_label
        action = f"Map {product} to the accounting item that bills it on the Products page ({label}, {stake})."
    else:
        label, product = first.client_label, f"{len(rows)} product{'s' if len(rows) != 1 else ''}"
        action = first.suggested_action[:-1] + f" ({product}, {stake})."
    return Result(
        key=key,
        scope=Finding.Scope.MAPPING,
        client_id=first.client_id if what != "product" else None,
        customer_id=first.customer_id if what == "company" else None,
        product_id=first.product_id if what == "product" else None,
        client_label=label[:255],
        product_label=product[:255],
        source=first.source,
        billing_sources="",
        term="",
        kind=Outcome.UNMAPPED,
        licensed=sum((row.licensed for row in rows), ZERO),
        billed=ZERO,
        gap=ZERO,
        unit_price=None,
        price_source="",
        monthly_impact=impact,
        currency=first.currency,
        severity=severity(Outcome.UNMAPPED, impact),
        reason=first.reason,
        suggested_action=action[:300],
        item_target="",
    )
