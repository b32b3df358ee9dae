"""/api/v1/orgs/{slug}/payment-links (API.md "Billing data")."""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema

from billingone.api.errors import ApiError
from billingone.api.pagination import paginate
from billingone.billing import payment_links as queries
from billingone.orgs.tenancy import org_endpoint

router = Router(tags=["billing"])


class PaymentLinkOut(Schema):
    id: str
    client: str | None
    description: str
    amount: str | None  # decimal as a string, two places; null when the customer chooses the amount
    currency: str
    active: bool
    url: str
    paid_count: int
    last_paid_at: datetime | None


class PaymentLinkPage(Schema):
    items: list[PaymentLinkOut]
    count: int
    next: str | None


@router.get(
    "/orgs/{slug}/payment-links",
    response=PaymentLinkPage,
    summary="Synced payment links (search q; state: active, inactive, paid, unpaid)",
)
@org_endpoint("org.view")
def list_payment_links(
    request, slug: str, q: str = "", state: str = "", cursor: str | None = None, limit: int | None = None
):
    if state and state not in queries.STATE_FILTERS:
        allowed = ", ".join(sorted(queries.STATE_FILTERS))
        raise ApiError(422, "invalid", f"state must be one of {allowed}.", fields={"state": [f"One of {allowed}."]})
    if len(q) > 100:
        raise ApiError(422, "invalid", "q is at most 100 characters.", fields={"q": ["At most 100 characters."]})
    rows = queries.payment_links(request.organization, q=q, state=state)
    return paginate(rows, cursor=cursor, limit=limit, serialize=queries.payment_link_payload)
