"""/api/v1/orgs/{slug}/subscriptions (API.md "Billing data")."""

from __future__ import annotations

from ninja import Router

from billingone.api.errors import ApiError
from billingone.api.pagination import paginate
from billingone.billing import queries
from billingone.orgs.tenancy import org_endpoint

router = Router(tags=["billing"])


@router.get("/orgs/{slug}/subscriptions", summary="Synced Pax8 subscriptions (search q, filter status)")
@org_endpoint("org.view")
def list_subscriptions(
    request, slug: str, q: str = "", status: str = "", cursor: str | None = None, limit: int | None = None
):
    if status and status not in queries.STATUS_FILTERS:
        allowed = ", ".join(sorted(queries.STATUS_FILTERS))
        raise ApiError(422, "invalid", f"status must be one of {allowed}.", fields={"status": [f"One of {allowed}."]})
    if len(q) > 100:
        raise ApiError(422, "invalid", "q is at most 100 characters.", fields={"q": ["At most 100 characters."]})
    rows = queries.subscriptions(request.organization, q=q, status=status)
    return paginate(rows, cursor=cursor, limit=limit, serialize=queries.subscription_payload)
