"""/api/v1/orgs/{slug}/subscriptions, /invoices and /clients (API.md "Billing data"): neutral
names (`source`, `status`, `source_status`), typed schemas in and out."""

from __future__ import annotations

import re
from datetime import date

from django.utils import timezone
from ninja import Router, Schema

from billingone.api.errors import ApiError
from billingone.api.pagination import paginate
from billingone.billing import client_flows, queries
from billingone.billing.models import ClientLink, Invoice
from billingone.orgs.tenancy import org_endpoint

router = Router(tags=["billing"])


class SubscriptionOut(Schema):
    id: str
    external_id: str
    source: str
    client: str | None
    product: str
    vendor: str | None
    kind: str
    quantity: str
    unit_price: str | None
    currency: str
    billing_term: str
    status: str
    source_status: str
    start_date: date | None
    end_date: date | None
    renews_on: date | None
    removed: bool


class SubscriptionPage(Schema):
    items: list[SubscriptionOut]
    count: int
    next: str | None


class InvoiceOut(Schema):
    id: str
    external_id: str
    source: str
    number: str
    reference: str
    client: str | None
    status: str
    source_status: str
    issue_date: date | None
    due_date: date | None
    currency: str
    total: str | None
    amount_due: str | None
    url: str


class InvoiceLineOut(Schema):
    description: str
    item_code: str
    quantity: str
    unit_price: str | None
    amount: str | None
    tax: str | None


class InvoiceDetailOut(InvoiceOut):
    lines: list[InvoiceLineOut]


class SummaryCardOut(Schema):
    key: str
    label: str
    amount: str
    count: int


class InvoicePage(Schema):
    items: list[InvoiceOut]
    count: int
    next: str | None
    summary: list[SummaryCardOut]


class CustomerRefOut(Schema):
    id: str
    name: str


class LinkOut(Schema):
    id: str
    source: str
    customer: CustomerRefOut
    state: str
    confidence: int
    reason: str


class ClientOut(Schema):
    id: str
    name: str
    links: list[LinkOut]


class ClientPage(Schema):
    items: list[ClientOut]
    count: int
    next: str | None


def _one_of(value: str, allowed: set[str], name: str) -> None:
    if value and value not in allowed:
        choices = ", ".join(sorted(allowed))
        raise ApiError(422, "invalid", f"{name} must be one of {choices}.", fields={name: [f"One of {choices}."]})


def _short(value: str, name: str) -> None:
    if len(value) > 100:
        raise ApiError(422, "invalid", f"{name} is at most 100 characters.", fields={name: ["At most 100 characters."]})


SOURCE_KEY = re.compile(r"^[a-z0-9_]{1,32}$")


def _source(value: str) -> None:
    """A provider key's shape (an unknown but well-formed one simply matches nothing)."""
    if value and not SOURCE_KEY.match(value):
        raise ApiError(422, "invalid", "source is a provider key.", fields={"source": ["A provider key."]})


@router.get("/orgs/{slug}/subscriptions", response=SubscriptionPage, summary="Vendor subscriptions (q, status, source)")
@org_endpoint("org.view")
def list_subscriptions(
    request,
    slug: str,
    q: str = "",
    status: str = "",
    source: str = "",
    cursor: str | None = None,
    limit: int | None = None,
):
    _one_of(status, queries.SUBSCRIPTION_STATUSES, "status")
    _source(source)
    _short(q, "q")
    rows = queries.subscriptions(request.organization, q=q, status=status, source=source)
    return paginate(rows, cursor=cursor, limit=limit, serialize=queries.subscription_payload)


@router.get("/orgs/{slug}/invoices", response=InvoicePage, summary="Sales invoices from every accounting source")
@org_endpoint("org.view")
def list_invoices(
    request,
    slug: str,
    q: str = "",
    status: str = "",
    source: str = "",
    cursor: str | None = None,
    limit: int | None = None,
):
    _one_of(status, queries.INVOICE_STATUSES, "status")
    _source(source)
    _short(q, "q")
    today = timezone.localdate()
    rows = queries.invoices(request.organization, q=q, status=status, source=source, today=today)
    page = paginate(rows, cursor=cursor, limit=limit, serialize=lambda row: queries.invoice_payload(row, today))
    page["summary"] = [
        {**card, "amount": str(card["amount"])}
        for card in queries.invoice_summary(request.organization, today, source)["cards"]
    ]
    return page


@router.get("/orgs/{slug}/invoices/{invoice_id}", response=InvoiceDetailOut, summary="One invoice with its lines")
@org_endpoint("org.view")
def get_invoice(request, slug: str, invoice_id: str):
    row = None
    if invoice_id.isascii() and invoice_id.isdigit() and len(invoice_id) <= 18:
        row = (
            Invoice.objects.filter(organization=request.organization, pk=int(invoice_id))
            .select_related("customer")
            .prefetch_related("lines")
            .first()
        )
    if row is None:
        raise ApiError(404, "not_found", "No such invoice.")
    return {**queries.invoice_payload(row), "lines": [queries.line_payload(line) for line in row.lines.all()]}


@router.get("/orgs/{slug}/clients", response=ClientPage, summary="Canonical clients with their linked customers")
@org_endpoint("org.view")
def list_clients(
    request, slug: str, q: str = "", linked: str = "", cursor: str | None = None, limit: int | None = None
):
    _one_of(linked, queries.LINKED_FILTERS, "linked")
    _short(q, "q")
    rows = queries.clients(request.organization, q=q, linked=linked)
    return paginate(rows, cursor=cursor, limit=limit, serialize=queries.client_payload)


@router.post(
    "/orgs/{slug}/clients/{client_id}/links/{link_id}/{action}",
    response=LinkOut,
    summary="Confirm or reject a suggested link (action: confirm | reject)",
)
@org_endpoint("integrations.connect")
def decide_link(request, slug: str, client_id: str, link_id: str, action: str):
    flow = {"confirm": client_flows.confirm, "reject": client_flows.reject}.get(action)
    ids = (client_id, link_id)
    if flow is None or not all(value.isascii() and value.isdigit() and len(value) <= 18 for value in ids):
        raise ApiError(404, "not_found", "No such link.")
    links = ClientLink.objects.filter(organization=request.organization, pk=int(link_id), client_id=int(client_id))
    if not links.exists():
        raise ApiError(404, "not_found", "No such link.")
    try:
        link = flow(request.membership, request, int(link_id))
    except client_flows.NotFound:
        raise ApiError(404, "not_found", "No such link.") from None
    return queries.link_payload(link)
