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

from billingone.billing.finding_models import Finding, Outcome, QueueStatus
from billingone.billing.findings import STORED_FIELDS, Result

MATERIAL_GAP = Decimal(1)
GROWTH = Decimal("0.005")
CHUNK = 5000  # ids per IN (…): well under SQLite's limit of bound parameters
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
RESULT_FIELDS = [*STORED_FIELDS, "queued", "severity_rank", "digest"]
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


def existing_states(organization, computation, client_ids: list[int] | None) -> dict[str, dict]:
    """The stored state of the client × product findings this run read (by id, in chunks), and of
    the organization's source (and, for a full run, mapping) findings."""
    ids = [finding_id for finding_id in computation.finding_ids.values() if finding_id is not None]
    scopes = [Finding.Scope.SOURCE] if client_ids is not None else [Finding.Scope.SOURCE, Finding.Scope.MAPPING]
    rows = Finding.objects.filter(organization=organization)
    states = {row["key"]: row for row in rows.filter(scope__in=scopes).values(*STATE_FIELDS)}
    for start in range(0, len(ids), CHUNK):
        chunk = rows.filter(pk__in=ids[start : start + CHUNK]).values(*STATE_FIELDS)
        states.update((row["key"], row) for row in chunk)
    return states


def store(organization, computation, client_ids: list[int] | None, now: datetime) -> StoreOutcome:
    """Write what changed: new findings, changed ones, and those no run produces any more.
    Client × product groups that SQL found unchanged never reach here (computation.groups counts them)."""
    outcome = StoreOutcome()
    states = existing_states(organization, computation, client_ids)
    today = now.date()
    creates, updates = [], []
    for result in computation.results:
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
    read = sum(1 for result in computation.results if result.scope == Finding.Scope.PRODUCT)
    outcome.unchanged += computation.groups - read
    gone = [state["id"] for state in states.values() if state["current"]] + computation.gone_ids
    Finding.objects.bulk_create(creates, batch_size=2000)
    Finding.objects.bulk_update(updates, UPDATE_FIELDS, batch_size=2000)
    for start in range(0, len(gone), CHUNK):
        Finding.objects.filter(pk__in=gone[start : start + CHUNK]).update(current=False, changed_at=now)
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
