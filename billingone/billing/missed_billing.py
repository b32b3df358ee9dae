"""The missed-billing queue: listing, totals, and what a person does with an item.

Items are the queued Findings of reconciliation (under-billed, over-billed, unmapped, and sources
that cannot be read). Actions: snooze until a date, ignore with a reason, mark reviewed, reopen.
Each checks the actor's capability (Finance and up), records the figures it acknowledges (the
item stays quiet until they change materially: findings_store.py) and is audited. Applying an
item puts the gap on its client's invoice draft (drafts.py) and marks it applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from billingone.audit.log import diff, record
from billingone.billing import draft_apply
from billingone.billing.finding_models import Finding, Outcome, QueueStatus
from billingone.orgs import roles
from billingone.orgs.errors import Conflict, FlowError, NotAllowed

CAPABILITY = "billing.reconcile"
ACTIONS = ("snooze", "ignore", "review", "reopen", "apply")
MAX_SNOOZE = timedelta(days=366)
MAX_BULK = 100
QUEUE_KINDS = (Outcome.UNDER_BILLED, Outcome.OVER_BILLED, Outcome.UNMAPPED, Outcome.NO_DATA)
AUDITED = ("status", "snoozed_until", "ignore_reason")
ZERO = Decimal(0)


def queue(
    organization, *, status: str = "", kind: str = "", severity: str = "", q: str = "", client_id: int | None = None
) -> QuerySet[Finding]:
    """Open findings worth a person's attention: severity, then monthly impact, then client."""
    rows = Finding.objects.filter(organization=organization, queued=True, current=True)
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    if severity:
        rows = rows.filter(severity=severity)
    if client_id is not None:
        rows = rows.filter(client_id=client_id)
    if q.strip():
        text = q.strip()
        rows = rows.filter(Q(client_label__icontains=text) | Q(product_label__icontains=text))
    return rows.order_by("-severity_rank", "-monthly_impact", "client_label", "pk")


@dataclass(frozen=True)
class QueueTotals:
    open_count: int
    open_monthly_impact: Decimal | None  # None when open items span several currencies: see by_currency
    recovered: Decimal | None
    currency: str | None
    by_status: dict[str, int]
    by_currency: list[dict]  # [{currency, open_monthly_impact, recovered}], never added across currencies

    def payload(self) -> dict:
        def money(value):
            return None if value is None else str(value)

        return {
            "open": self.open_count,
            "open_monthly_impact": money(self.open_monthly_impact),
            "recovered": money(self.recovered),
            "currency": self.currency,
            "by_status": self.by_status,
            "by_currency": [
                {k: money(v) if k != "currency" else v for k, v in entry.items()} for entry in self.by_currency
            ],
        }


def totals(organization) -> QueueTotals:
    """Open under-billing per month (what is still not billed) and what was recovered so far, per
    currency, in one query."""
    live = Q(queued=True, current=True)
    counts = {value: Count("id", filter=live & Q(status=value)) for value in QueueStatus.values}
    open_under = live & Q(status=QueueStatus.OPEN, kind=Outcome.UNDER_BILLED)
    rows = (
        Finding.objects.filter(organization=organization)
        .values("currency")
        .annotate(open_impact=Sum("monthly_impact", filter=open_under), recovered=Sum("recovered_amount"), **counts)
        .order_by("currency")
    )
    cents = Decimal("0.01")
    by_status = dict.fromkeys(QueueStatus.values, 0)
    by_currency = []
    for row in rows:
        for value in QueueStatus.values:
            by_status[value] += row[value]
        open_impact, recovered = Decimal(row["open_impact"] or 0), Decimal(row["recovered"] or 0)
        if row["open_impact"] is not None or recovered:
            entry = {"currency": row["currency"], "open_monthly_impact": open_impact.quantize(cents)}
            by_currency.append(entry | {"recovered": recovered.quantize(cents)})
    single = by_currency[0] if len(by_currency) == 1 else None
    if not by_currency:
        single = {"currency": None, "open_monthly_impact": ZERO.quantize(cents), "recovered": ZERO.quantize(cents)}
    return QueueTotals(
        by_status[QueueStatus.OPEN],
        single["open_monthly_impact"] if single else None,
        single["recovered"] if single else None,
        single["currency"] if single else None,
        by_status,
        by_currency,
    )


def _state(finding: Finding) -> dict:
    return {
        "status": finding.status,
        "snoozed_until": finding.snoozed_until.isoformat() if finding.snoozed_until else None,
        "ignore_reason": finding.ignore_reason,
    }


def _check(finding: Finding, role: str) -> None:
    if not roles.has_capability(role, CAPABILITY):
        raise NotAllowed("Only Owners, Admins and Finance members can act on missed billing.")
    if not (finding.queued and finding.current):
        raise Conflict("This item is no longer in the queue: the latest reconciliation found nothing to act on.")


def _acknowledge(finding: Finding, status: str) -> None:
    finding.status = status
    finding.acknowledged_kind = finding.kind
    finding.acknowledged_gap = finding.gap


def snooze_until(value: date | None, today: date) -> date:
    if value is None:
        raise FlowError("Choose the date to snooze until.", field="until")
    if value <= today:
        raise FlowError("Snooze until a date after today.", field="until")
    if value > today + MAX_SNOOZE:
        raise FlowError("Snooze for at most a year.", field="until")
    return value


def ignore_reason(value: str) -> str:
    reason = (value or "").strip()
    if not reason:
        raise FlowError("Say why this item is ignored.", field="reason")
    if len(reason) > 300:
        raise FlowError("The reason is at most 300 characters.", field="reason")
    return reason


def _apply_action(finding: Finding, action: str, *, until: date | None, reason: str) -> None:
    today = timezone.localdate()
    finding.snoozed_until, finding.ignore_reason = None, ""
    if action == "snooze":
        finding.snoozed_until = snooze_until(until, today)
        _acknowledge(finding, QueueStatus.SNOOZED)
    elif action == "ignore":
        finding.ignore_reason = ignore_reason(reason)
        _acknowledge(finding, QueueStatus.IGNORED)
    elif action == "review":
        _acknowledge(finding, QueueStatus.REVIEWED)
    elif action == "reopen":
        finding.status, finding.acknowledged_kind, finding.acknowledged_gap = QueueStatus.OPEN, "", None
    elif action == "apply":
        _acknowledge(finding, QueueStatus.APPLIED)
    else:
        raise FlowError(f"Unknown action; use one of {', '.join(ACTIONS)}.", field="action")


def act(finding: Finding, action: str, *, actor, role: str, request=None, until=None, reason: str = "") -> Finding:
    """One person's action on one queue item, checked, saved and audited together."""
    _check(finding, role)
    before = _state(finding)
    _apply_action(finding, action, until=until, reason=reason)
    finding.status_by, finding.status_at = actor, timezone.now()
    with transaction.atomic():
        if action == "apply":  # the draft's line first: a refusal leaves the item as it was
            finding.draft = draft_apply.add_finding(finding, actor=actor, request=request)
        finding.save(update_fields=[*AUDITED, "acknowledged_kind", "acknowledged_gap", "status_by", "status_at"])
        record(
            f"missed_billing.{action}",
            organization=finding.organization,
            request=request,
            actor=actor,
            target=finding,
            target_label=label(finding),
            changes=diff(before, _state(finding)),
            data={"kind": finding.kind, "gap": str(finding.gap), "monthly_impact": str(finding.monthly_impact)},
        )
    return finding


def act_in_bulk(organization, ids: list[int], action: str, *, actor, role: str, request=None, until=None, reason=""):
    """The same action on several items at once: all of them or, on the first refusal, none."""
    if not ids:
        raise FlowError("Select at least one item.", field="ids")
    if len(ids) > MAX_BULK:
        raise FlowError(f"Act on at most {MAX_BULK} items at once.", field="ids")
    findings = list(Finding.objects.filter(organization=organization, pk__in=ids).select_related("organization"))
    if len(findings) != len(set(ids)):
        raise FlowError("Some selected items no longer exist; reload the queue.", field="ids")
    if action == "apply" and len({finding.client_id for finding in findings}) > 1:
        raise FlowError("Apply the items of one client at a time: each client gets its own draft.", field="ids")
    with transaction.atomic():
        return [act(f, action, actor=actor, role=role, request=request, until=until, reason=reason) for f in findings]


def label(finding: Finding) -> str:
    return " · ".join(part for part in (finding.client_label, finding.product_label) if part) or finding.key
