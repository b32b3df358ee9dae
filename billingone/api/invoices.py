"""/api/v1/orgs/{slug}/invoices and /client-mappings (API.md "Billing data"; issue 6)."""

from __future__ import annotations

from django.utils import timezone
from ninja import Router

from billingone.api.errors import ApiError
from billingone.api.pagination import paginate
from billingone.billing import invoices as invoice_queries
from billingone.billing import mapping
from billingone.billing.xero_models import ClientMapping
from billingone.billing.xero_views import MAPPING_STATES, mapping_rows
from billingone.orgs.tenancy import org_endpoint

router = Router(tags=["billing"])


def _check(value: str, allowed: set[str], name: str) -> None:
    if value and value not in allowed:
        choices = ", ".join(sorted(allowed))
        raise ApiError(422, "invalid", f"{name} must be one of {choices}.", fields={name: [f"One of {choices}."]})


def _check_q(q: str) -> None:
    if len(q) > 100:
        raise ApiError(422, "invalid", "q is at most 100 characters.", fields={"q": ["At most 100 characters."]})


@router.get("/orgs/{slug}/invoices", summary="Synced Xero sales invoices (search q: number, client or amount)")
@org_endpoint("org.view")
def list_invoices(
    request, slug: str, q: str = "", status: str = "", cursor: str | None = None, limit: int | None = None
):
    _check(status, invoice_queries.STATUS_FILTERS, "status")
    _check_q(q)
    today = timezone.localdate()
    rows = invoice_queries.invoices(request.organization, q=q, status=status, today=today)
    page = paginate(rows, cursor=cursor, limit=limit, serialize=lambda row: invoice_queries.invoice_payload(row, today))
    page["summary"] = [
        {"key": c["key"], "label": c["label"], "amount": str(c["amount"]), "count": c["count"]}
        for c in invoice_queries.summary(request.organization, today)["cards"]
    ]
    return page


def mapping_payload(row: ClientMapping) -> dict:
    contact = row.contact
    return {
        "id": str(row.pk),
        "company": {"id": row.company.pax8_id, "name": row.company.name, "website": row.company.website},
        "contact": {"id": contact.xero_id, "name": contact.name, "email": contact.email} if contact else None,
        "state": row.state,
        "confidence": row.confidence,
        "reason": row.reason,
        "confirmed_by": row.confirmed_by.email if row.confirmed_by_id else None,
        "confirmed_at": row.confirmed_at,
    }


@router.get("/orgs/{slug}/client-mappings", summary="Pax8 company → Xero contact mapping (filter state, search q)")
@org_endpoint("org.view")
def list_mappings(
    request, slug: str, state: str = "", q: str = "", cursor: str | None = None, limit: int | None = None
):
    _check(state, MAPPING_STATES, "state")
    _check_q(q)
    if mapping.needs_refresh(request.organization):
        mapping.refresh_suggestions(request.organization)
    rows = mapping_rows(request.organization, state=state, q=q)
    return paginate(rows, cursor=cursor, limit=limit, serialize=mapping_payload)
