"""/api/v1/orgs/{slug}/domains (API.md "Billing data"): domains and hosting services from any
vendor source, with their renewal and whether each is billed."""

from __future__ import annotations

from datetime import date
from typing import Literal

from django.utils import timezone
from ninja import Router, Schema

from billingone.api.errors import ApiError
from billingone.api.pagination import paginate
from billingone.billing import domains as queries
from billingone.orgs.tenancy import org_endpoint

router = Router(tags=["billing"])


class DomainOut(Schema):
    id: str
    name: str
    kind: Literal["domain", "hosting"]
    client: str | None  # the linked client; null: the owner is not linked (an unmapped renewal)
    owner: str | None  # the owner as the provider knows it
    plan: str
    status: str  # active | trial | suspended | cancelled
    source_status: str  # the provider's own word
    source: str
    expires_on: date | None  # domains
    renews_on: date | None  # hosting services
    auto_renew: bool | None
    billing: Literal["billed", "not_billed", "not_mapped", "no_data", "not_reconciled", "unmapped"]


class DomainPage(Schema):
    items: list[DomainOut]
    count: int
    next: str | None


def one_of(name: str, value: str, allowed) -> None:
    if value and value not in allowed:
        choices = ", ".join(sorted(str(a) for a in allowed))
        raise ApiError(422, "invalid", f"{name} must be one of {choices}.", fields={name: [f"One of {choices}."]})


@router.get(
    "/orgs/{slug}/domains",
    response=DomainPage,
    summary="Domains and hosting services (q; kind: domain|hosting; status; linked: linked|unlinked; within: 30|60|90)",
)
@org_endpoint("org.view")
def list_domains(
    request,
    slug: str,
    q: str = "",
    kind: str = "",
    status: str = "",
    linked: str = "",
    within: int | None = None,
    cursor: str | None = None,
    limit: int | None = None,
):
    if len(q) > 100:
        raise ApiError(422, "invalid", "q is at most 100 characters.", fields={"q": ["At most 100 characters."]})
    one_of("kind", kind, {k for k, _ in queries.KIND_CHOICES})
    one_of("status", status, {s for s, _ in queries.STATUS_CHOICES})
    one_of("linked", linked, set(queries.LINK_FILTERS))
    if within is not None and within not in queries.WINDOWS:
        raise ApiError(422, "invalid", "within must be 30, 60 or 90.", fields={"within": ["One of 30, 60, 90."]})
    rows = queries.domains(
        request.organization,
        q=q,
        kind=kind,
        status=status,
        linked=linked,
        window=within,
        today=timezone.localdate(),
    )
    return paginate(rows, cursor=cursor, limit=limit, serialize=queries.domain_payload)
