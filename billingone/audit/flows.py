"""Audit log flows used by the web section and the API."""

from __future__ import annotations

from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone

from billingone.audit.log import record
from billingone.audit.query import AuditFilters, csv_filename, csv_rows, filtered


def export_csv(organization, filters: AuditFilters, *, request: HttpRequest) -> StreamingHttpResponse:
    """The filtered log as CSV; the export itself is audited (with its filters and size)."""
    events = filtered(organization, filters)
    record(
        "audit.export",
        organization=organization,
        request=request,
        target=organization,
        data={"filters": filters.as_dict(), "rows": events.count(), "format": "csv"},
    )
    response = StreamingHttpResponse(csv_rows(events), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{csv_filename(organization, timezone.now().date())}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
