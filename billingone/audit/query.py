"""Reading the audit log: filters shared by the Audit Logs section and the API, the sync
history view of `integration.sync.*` entries, and a CSV export safe against formula injection."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils.dateparse import parse_date, parse_datetime

from billingone.audit.events import describe
from billingone.audit.models import AuditEvent

SYNC_PREFIX = "integration.sync."
# How a finished run is shown: the engine records integration.sync.succeed / .fail (and .retry).
SYNC_OUTCOMES = {
    SYNC_PREFIX + "succeed": ("Succeeded", "success"),
    SYNC_PREFIX + "fail": ("Failed", "danger"),
    SYNC_PREFIX + "retry": ("Retrying", "warning"),
}
CSV_COLUMNS = [
    "time_utc", "actor", "actor_kind", "action", "description", "target_type", "target_id", "target",
    "ip", "user_agent", "changes", "data",
]  # fmt: skip
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


class FilterError(ValueError):
    def __init__(self, fields: dict[str, list[str]]):
        super().__init__("Some filters are invalid.")
        self.fields = fields


@dataclass
class AuditFilters:
    actor: str = ""
    action: str = ""
    target_type: str = ""
    since: datetime | None = None
    until: datetime | None = None

    def as_dict(self) -> dict[str, str]:
        values = {"actor": self.actor, "action": self.action, "target_type": self.target_type}
        values["since"] = self.since.isoformat() if self.since else ""
        values["until"] = self.until.isoformat() if self.until else ""
        return {key: value for key, value in values.items() if value}


def _moment(value: str, *, end_of_day: bool) -> datetime | None:
    """ISO date or datetime → aware UTC datetime; a bare `until` date includes that whole day."""
    value = value.strip()
    if not value:
        return None
    try:
        moment = parse_datetime(value)
        day = None if moment else parse_date(value)
    except ValueError:
        moment = day = None
    if moment is None and day is None:
        raise ValueError(value)
    if day is not None:
        moment = datetime.combine(day + timedelta(days=1) if end_of_day else day, time.min)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def parse_filters(params) -> AuditFilters:
    errors: dict[str, list[str]] = {}
    bounds: dict[str, datetime | None] = {}
    for name in ("since", "until"):
        raw = str(params.get(name) or "")
        try:
            bounds[name] = _moment(raw, end_of_day=name == "until")
        except ValueError:
            errors[name] = ["Use a date (YYYY-MM-DD) or an ISO 8601 date and time."]
    if bounds.get("since") and bounds.get("until") and bounds["since"] >= bounds["until"]:
        errors["until"] = ["The end must be after the start."]
    if errors:
        raise FilterError(errors)
    return AuditFilters(
        actor=str(params.get("actor") or "").strip()[:254],
        action=str(params.get("action") or "").strip()[:64],
        target_type=str(params.get("target_type") or "").strip()[:64],
        since=bounds["since"],
        until=bounds["until"],
    )


def filtered(organization, filters: AuditFilters) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.for_organization(organization)
    if filters.actor == "system":
        events = events.filter(actor_kind=AuditEvent.ActorKind.SYSTEM)
    elif filters.actor.isdigit():
        events = events.filter(actor_id=int(filters.actor))
    elif filters.actor:
        events = events.filter(actor_label__iexact=filters.actor)
    if filters.action.endswith("*"):
        events = events.filter(action__startswith=filters.action[:-1])
    elif filters.action:
        events = events.filter(action=filters.action)
    if filters.target_type:
        events = events.filter(target_type=filters.target_type)
    if filters.since:
        events = events.filter(created_at__gte=filters.since)
    if filters.until:
        events = events.filter(created_at__lt=filters.until)
    return events.order_by("-created_at", "-id")


def sync_history(organization, limit: int = 10) -> list[dict]:
    """The latest sync runs, read from the engine's `integration.sync.*` entries."""
    events = AuditEvent.objects.for_organization(organization).filter(action__in=SYNC_OUTCOMES)
    return [sync_row(event) for event in events.order_by("-created_at", "-id")[:limit]]


def sync_row(event: AuditEvent) -> dict:
    data = event.data if isinstance(event.data, dict) else {}
    outcome, tone = SYNC_OUTCOMES.get(event.action, (event.action.removeprefix(SYNC_PREFIX).capitalize(), "muted"))
    counts = data.get("counts") if isinstance(data.get("counts"), dict) else {}
    duration = data.get("duration_seconds", data.get("duration"))
    return {
        "event": event,
        "provider": str(data.get("provider_name") or data.get("provider") or event.target_label or "Integration"),
        "outcome": outcome,
        "tone": tone,
        "mode": str(data.get("mode") or ""),
        "counts": {str(k): v for k, v in counts.items()},
        "duration": f"{float(duration):.1f} s" if isinstance(duration, int | float) else "",
        "error": str(data.get("error") or data.get("message") or "")[:300],
        "started_by": event.actor_label or str(data.get("started_by") or "") or _trigger_label(data.get("trigger")),
    }


def _trigger_label(trigger) -> str:
    return {"sync_all": "Sync All", "person": "A person", "schedule": "Schedule"}.get(str(trigger or ""), "Schedule")


def actor_text(event: AuditEvent) -> str:
    return event.actor_label or ("System" if event.actor_kind == AuditEvent.ActorKind.SYSTEM else "")


def serialize(event: AuditEvent) -> dict:
    return {
        "id": str(event.pk),
        "at": event.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "actor": {
            "kind": event.actor_kind,
            "id": str(event.actor_id) if event.actor_id else None,
            "label": actor_text(event),
        },
        "action": event.action,
        "description": describe(event.action),
        "target": {"type": event.target_type, "id": event.target_id, "label": event.target_label},
        "ip": event.ip,
        "changes": event.changes,
        "data": event.data,
    }


def safe_cell(value) -> str:
    """Spreadsheets run cells starting with = + - @ (or a tab/CR) as formulas: quote them."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    if text.startswith(FORMULA_STARTS) or text.lstrip().startswith(FORMULA_STARTS[:4]):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_rows(events: QuerySet[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for event in events.iterator(chunk_size=1000):
        row = [
            event.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            actor_text(event),
            event.actor_kind,
            event.action,
            describe(event.action),
            event.target_type,
            event.target_id,
            event.target_label,
            event.ip or "",
            event.user_agent,
            event.changes or {},
            event.data or {},
        ]
        yield writer.writerow([safe_cell(cell) if cell != "" else "" for cell in row])


def csv_filename(organization, today: date) -> str:
    return f"audit-log-{organization.slug}-{today:%Y-%m-%d}.csv"
