"""Pax8's JSON (specs/pax8 field names) → neutral records."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from billingone.integrations.base import UnexpectedAnswer
from billingone.integrations.records import (
    BillingTerm,
    CustomerRecord,
    ProductRecord,
    SubscriptionRecord,
    SubscriptionStatus,
)

# Pax8's ten subscription statuses → ours. Pending states are not (yet) billable service, shown
# as suspended; PendingCancel is on its way out, shown as cancelled.
STATUS = {
    "Active": SubscriptionStatus.ACTIVE,
    "Activated": SubscriptionStatus.ACTIVE,
    "Converted": SubscriptionStatus.ACTIVE,
    "Trial": SubscriptionStatus.TRIAL,
    "PendingManual": SubscriptionStatus.SUSPENDED,
    "PendingAutomated": SubscriptionStatus.SUSPENDED,
    "WaitingForDetails": SubscriptionStatus.SUSPENDED,
    "PendingActivation": SubscriptionStatus.SUSPENDED,
    "PendingCancel": SubscriptionStatus.CANCELLED,
    "Cancelled": SubscriptionStatus.CANCELLED,
}
TERMS = {
    "Monthly": BillingTerm.MONTHLY,
    "Annual": BillingTerm.ANNUAL,
    "2-Year": BillingTerm.MULTI_YEAR,
    "3-Year": BillingTerm.MULTI_YEAR,
    "One-Time": BillingTerm.ONE_TIME,
    "Trial": BillingTerm.MONTHLY,  # a trial converts to monthly billing
    "Activation": BillingTerm.ONE_TIME,
}


def text(item: dict, key: str, limit: int = 255) -> str:
    value = item.get(key)
    return "" if value is None else str(value)[:limit]


def moment(value) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def day(value) -> date | None:
    return datetime.fromisoformat(str(value)).date() if value else None


def money(value, default: Decimal | None = Decimal(0)) -> Decimal | None:
    if value is None or value == "":
        return default
    return Decimal(str(value)).quantize(Decimal("0.0001"))


def company(item: dict) -> CustomerRecord:
    return CustomerRecord(
        external_id=str(item["id"]),
        name=text(item, "name") or "(unnamed company)",
        source_status=text(item, "status", 40),
        active=item.get("status") in (None, "Active"),
        website=text(item, "website"),
        updated_at=moment(item.get("updatedDate")),
    )


def product(item: dict) -> ProductRecord:
    return ProductRecord(
        external_id=str(item["id"]),
        name=text(item, "name") or "(unnamed product)",
        vendor=text(item, "vendorName"),
        sku=text(item, "sku", 100),
        description=text(item, "shortDescription", 500),
        requires_commitment=bool(item.get("requiresCommitment")),
    )


def billing_term(item: dict) -> BillingTerm:
    term = TERMS.get(text(item, "billingTerm", 20), BillingTerm.OTHER)
    commitment = item.get("commitmentTerm") or {}
    committed_yearly = isinstance(commitment, dict) and str(commitment.get("term", "")).startswith("1-Year")
    return BillingTerm.ANNUAL_MONTHLY if term is BillingTerm.MONTHLY and committed_yearly else term


def subscription(item: dict) -> SubscriptionRecord:
    source_status = text(item, "status", 40)
    return SubscriptionRecord(
        external_id=str(item["id"]),
        customer_id=text(item, "companyId", 128),
        product_id=text(item, "productId", 128),
        product_name=text(item, "productName"),
        name=text(item, "vendorSubscriptionId", 255),
        quantity=money(item.get("quantity")),
        unit_price=money(item.get("price")),
        unit_cost=money(item.get("partnerCost"), None),
        currency=text(item, "currencyCode", 3),
        billing_term=billing_term(item),
        source_term=text(item, "billingTerm", 30),
        status=STATUS.get(source_status, SubscriptionStatus.SUSPENDED),
        source_status=source_status,
        start_date=day(item.get("startDate")) or day(item.get("billingStart")),
        end_date=day(item.get("endDate")),
        updated_at=moment(item.get("updatedDate")),
    )


CONVERT = {"companies": company, "products": product, "subscriptions": subscription}


def to_record(resource: str, item: object):
    if not isinstance(item, dict) or not item.get("id"):
        raise UnexpectedAnswer("Pax8 sent a record without an id.")
    try:
        return CONVERT[resource](item)
    except (TypeError, ValueError, InvalidOperation, AttributeError) as exc:
        raise UnexpectedAnswer(f"Pax8 sent a record we could not read ({type(exc).__name__}).") from exc
