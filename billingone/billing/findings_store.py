"""Persisting a reconciliation run's results onto Findings, keyed by their stable identity.

Unchanged results (same digest) are not written, so a run over unchanged data costs reads only.
A person's decision sticks: a snoozed, ignored or reviewed finding stays so until it changes
materially (another outcome, or the gap moves by a whole unit or more) or, when snoozed, its
date passes. An under-billed finding that becomes matched counts its impact as recovered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q

from billingone.billing.finding_models import Finding, Outcome, QueueStatus
from billingone.billing.findings import Result

MATERIAL_GAP = Decimal(1)
GROWTH = Decimal("0.005")
QUIET = (QueueStatus.SNOOZED, QueueStatus.IGNORED, QueueStatus.REVIEWED, QueueStatus.APPLIED)
STATE_FIELDS = (
    "id",
    "key",
    "digest",
    "kind",
    "gap",
    "monthly_impact",
    "status",
    "snoozed_until",
    "acknowledged_kind",
    "acknowledged_gap",
    "ignore_reason",
    "changed_at",
    "resolved_at",
    "current",
    "recovered_amount",
)
RESULT_FIELDS = [name for name in Result.__dataclass_fields__ if name != "key"] + ["queued", "severity_rank", "digest"]
RESET_FIELDS = ["status", "snoozed_until", "ignore_reason", "acknowledged_kind", "acknowledged_gap"]
UPDATE_FIELDS = [*RESULT_FIELDS, *RESET_FIELDS, "current", "changed_at", "resolved_at", "recovered_amount"]


@dataclass
class StoreOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    resolved: int = 0
    reopened: int = 0
    gone: int = 0
    new_or_grown: list[Result] = field(default_factory=list)


def materially_changed(state: dict, result: Result) -> bool:
    if state["acknowledged_kind"] and state["acknowledged_kind"] != result.kind:
        return True
    acknowledged = state["acknowledged_gap"]
    return acknowledged is not None and abs(result.gap - acknowledged) >= MATERIAL_GAP


def existing_states(organization, client_ids: list[int] | None) -> dict[str, dict]:
    rows = Finding.objects.filter(organization=organization)
    if client_ids is not None:
        rows = rows.filter(Q(client_id__in=client_ids, scope=Finding.Scope.PRODUCT) | Q(scope=Finding.Scope.SOURCE))
    return {row["key"]: row for row in rows.values(*STATE_FIELDS)}


def store(organization, results: list[Result], client_ids: list[int] | None, now: datetime) -> StoreOutcome:
    outcome = StoreOutcome()
    states = existing_states(organization, client_ids)
    today = now.date()
    creates, updates = [], []
    for result in results:
        state = states.pop(result.key, None)
        if state is None:
            creates.append(Finding(organization=organization, key=result.key, changed_at=now, **result.fields()))
            if result.kind == Outcome.UNDER_BILLED:
                outcome.new_or_grown.append(result)
            continue
        finding = changed_finding(organization, state, result, now, today, outcome)
        if finding is None:
            outcome.unchanged += 1
        else:
            updates.append(finding)
    gone = [state["id"] for state in states.values() if state["current"]]
    Finding.objects.bulk_create(creates, batch_size=2000)
    Finding.objects.bulk_update(updates, UPDATE_FIELDS, batch_size=2000)
    if gone:
        Finding.objects.filter(pk__in=gone).update(current=False, changed_at=now)
    outcome.created, outcome.updated, outcome.gone = len(creates), len(updates), len(gone)
    return outcome


def changed_finding(organization, state: dict, result: Result, now, today: date, outcome: StoreOutcome):
    """The Finding to write for an existing key, or None when nothing changed."""
    snooze_over = state["status"] == QueueStatus.SNOOZED and (state["snoozed_until"] or today) <= today
    if state["digest"] == result.digest and state["current"] and not snooze_over:
        return None
    finding = Finding(pk=state["id"], organization=organization, key=result.key, **result.fields())
    for name in (*RESET_FIELDS, "recovered_amount"):
        setattr(finding, name, state[name])
    finding.current, finding.resolved_at = True, state["resolved_at"]
    moved = (state["kind"], state["gap"]) != (result.kind, result.gap)
    finding.changed_at = now if moved else state["changed_at"]
    if state["kind"] == Outcome.UNDER_BILLED and result.kind == Outcome.MATCHED:
        finding.recovered_amount = state["recovered_amount"] + state["monthly_impact"]
        finding.resolved_at = now
        outcome.resolved += 1
    if state["status"] in QUIET and (snooze_over or materially_changed(state, result)):
        reopen(finding)
        outcome.reopened += 1
    elif state["status"] not in QUIET:
        reopen(finding)  # an open (or resolved) finding starts afresh with its new figures
    grew = state["kind"] != Outcome.UNDER_BILLED or result.gap > state["gap"] + GROWTH
    if result.kind == Outcome.UNDER_BILLED and grew and finding.status == QueueStatus.OPEN:
        outcome.new_or_grown.append(result)
    return finding


def reopen(finding: Finding) -> None:
    finding.status = QueueStatus.OPEN
    finding.snoozed_until = None
    finding.ignore_reason = ""
    finding.acknowledged_kind = ""
    finding.acknowledged_gap = None
