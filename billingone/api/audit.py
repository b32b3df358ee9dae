"""/api/v1/orgs/{slug}/audit-log: the organization's audit trail, filtered, as JSON or CSV."""

from __future__ import annotations

from ninja import Router, Schema

from billingone.api.errors import ApiError
from billingone.api.pagination import paginate
from billingone.audit.flows import export_csv
from billingone.audit.query import FilterError, filtered, parse_filters, serialize
from billingone.orgs.tenancy import org_endpoint

router = Router(tags=["audit"])


class ActorOut(Schema):
    kind: str
    id: str | None
    label: str


class TargetOut(Schema):
    type: str
    id: str
    label: str


class AuditEntryOut(Schema):
    id: str
    at: str
    actor: ActorOut
    action: str
    description: str
    target: TargetOut
    ip: str | None
    changes: dict
    data: dict


class AuditPageOut(Schema):
    items: list[AuditEntryOut]
    count: int
    next: str | None


def _filters(request):
    try:
        return parse_filters(request.GET)
    except FilterError as exc:
        raise ApiError(422, "invalid", str(exc), fields=exc.fields) from exc


@router.get("/orgs/{slug}/audit-log", response=AuditPageOut, summary="Audit log entries, newest first")
@org_endpoint("audit.read")
def audit_log(
    request,
    slug: str,
    actor: str | None = None,
    action: str | None = None,
    target_type: str | None = None,
    since: str | None = None,
    until: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
):
    events = filtered(request.organization, _filters(request))
    return paginate(events, cursor=cursor, limit=limit, serialize=serialize)


@router.get("/orgs/{slug}/audit-log.csv", summary="Audit log as CSV (same filters)")
@org_endpoint("audit.read")
def audit_log_csv(
    request,
    slug: str,
    actor: str | None = None,
    action: str | None = None,
    target_type: str | None = None,
    since: str | None = None,
    until: str | None = None,
):
    return export_csv(request.organization, _filters(request), request=request)
