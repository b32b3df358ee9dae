"""The neutral records a provider yields (STYLE.md habit 4); the engine stores them.

A provider speaks only its own API and turns its rows into these plain values; it never
touches the database. `Provider.fetch(mode, since, progress)` yields, in any order that
respects references (customers and products before the subscriptions and invoices that
name them):

    Batch(records)          a page of records of one kind, stored in one bulk upsert
    Complete(kind)          a full scan of `kind` ended consistently: rows of that kind the
                            run did not see are marked removed (never deleted)
    Removed(kind, ids)      the provider said these rows were deleted (CDC, webhooks)
    Checkpoint(at)          the `since` to hand the next delta sync (a provider's own clock);
                            without one the engine uses the start of the last good run
    ItemWarning(kind, id, message)  an item the provider could not read this time (a per-item
                            error inside a list that succeeded): counted on the run, not fatal

Every record is keyed by (organization, source provider, external_id). References to other
rows (a subscription's customer, an invoice's customer) are *external ids in the same source*;
the engine resolves them to rows. Money is Decimal, currencies ISO 4217, dates are dates,
times are aware datetimes. `source_status` is the provider's own word, `status` is ours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum


class Kind(StrEnum):
    CUSTOMER = "customer"
    PRODUCT = "product"
    ITEM = "item"
    SUBSCRIPTION = "subscription"
    INVOICE = "invoice"
    PAYMENT_LINK = "payment_link"


class SubscriptionKind(StrEnum):
    LICENCE = "licence"  # a seat-based cloud licence (Pax8)
    DOMAIN = "domain"  # a registered domain (Synergy Wholesale)
    HOSTING = "hosting"  # a hosting service (Synergy Wholesale)
    SERVICE = "service"  # anything else sold on a term


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    TRIAL = "trial"
    SUSPENDED = "suspended"  # pending, paused, expired-but-renewable: not billable service now
    CANCELLED = "cancelled"


class BillingTerm(StrEnum):
    """How often the client is billed, which sets the period reconciliation compares."""

    MONTHLY = "monthly"
    ANNUAL = "annual"  # billed once a year
    ANNUAL_MONTHLY = "annual_monthly"  # an annual commitment billed every month
    MULTI_YEAR = "multi_year"  # 2- or 3-year terms, billed once per term
    ONE_TIME = "one_time"
    OTHER = "other"


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # sent / awaiting payment, not yet due
    PAID = "paid"
    OVERDUE = "overdue"  # unpaid past its due date (providers that say so; others derived at read time)
    VOIDED = "voided"


class InvoiceKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    """A company as one provider knows it: Pax8 company, Xero contact, QuickBooks customer,
    SuperOps client, Synergy account, Stripe customer."""

    external_id: str
    name: str
    source_status: str = ""
    active: bool = True
    is_client: bool = True  # False for supplier-only contacts: never made into a client
    email: str = ""
    website: str = ""
    domains: tuple[str, ...] = ()  # lower-case email / website domains, evidence for client matching
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ProductRecord:
    """A vendor SKU: a Pax8 product, a Synergy domain extension or hosting plan."""

    external_id: str
    name: str
    vendor: str = ""
    sku: str = ""
    kind: SubscriptionKind = SubscriptionKind.LICENCE
    description: str = ""
    requires_commitment: bool = False


@dataclass(frozen=True, slots=True)
class ItemRecord:
    """An accounting item (what an invoice line bills): Xero item code, QuickBooks item,
    SuperOps service item."""

    external_id: str
    code: str
    name: str = ""
    description: str = ""
    unit_price: Decimal | None = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class SubscriptionRecord:
    """Something bought from a vendor on a term, for one customer."""

    external_id: str
    customer_id: str  # the CustomerRecord.external_id it belongs to ("" when unknown)
    product_id: str = ""  # the ProductRecord.external_id ("" when the provider has no catalogue)
    product_name: str = ""
    name: str = ""  # the domain name or service label, when the subscription has one
    kind: SubscriptionKind = SubscriptionKind.LICENCE
    quantity: Decimal = Decimal(1)
    unit_price: Decimal | None = None  # the price the MSP charges (Pax8 "price")
    unit_cost: Decimal | None = None  # what the MSP pays (Pax8 "partnerCost")
    currency: str = ""
    billing_term: BillingTerm = BillingTerm.MONTHLY
    source_term: str = ""  # the provider's own term word ("Annual", "monthly", …)
    status: SubscriptionStatus = SubscriptionStatus.ACTIVE
    source_status: str = ""
    start_date: date | None = None
    end_date: date | None = None
    renews_on: date | None = None  # next renewal or expiry
    auto_renew: bool | None = None
    plan: str = ""
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class InvoiceLineRecord:
    description: str = ""
    quantity: Decimal = Decimal(0)
    unit_price: Decimal = Decimal(0)
    amount: Decimal = Decimal(0)  # before tax
    tax: Decimal = Decimal(0)
    item_code: str = ""  # the accounting item's code as the line names it
    item_id: str = ""  # the ItemRecord.external_id, when the provider links it
    external_id: str = ""
    period_start: date | None = None
    period_end: date | None = None


@dataclass(frozen=True, slots=True)
class InvoiceRecord:
    """A sales invoice (or credit note) from any accounting provider, with its lines."""

    external_id: str
    customer_id: str  # CustomerRecord.external_id ("" when unknown)
    number: str = ""
    customer_name: str = ""
    reference: str = ""
    kind: InvoiceKind = InvoiceKind.INVOICE
    status: InvoiceStatus = InvoiceStatus.SUBMITTED
    source_status: str = ""
    issue_date: date | None = None
    due_date: date | None = None
    paid_on: date | None = None
    currency: str = ""
    subtotal: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)
    total: Decimal = Decimal(0)
    amount_due: Decimal = Decimal(0)
    amount_paid: Decimal = Decimal(0)
    url: str = ""  # where a person opens it at the provider
    updated_at: datetime | None = None
    lines: tuple[InvoiceLineRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class PaymentLinkLineRecord:
    description: str = ""
    quantity: Decimal = Decimal(1)
    unit_amount: Decimal | None = None
    amount: Decimal | None = None
    currency: str = ""
    price_id: str = ""


@dataclass(frozen=True, slots=True)
class PaymentLinkRecord:
    """A Stripe payment link and what it charges; paid counts come from completed checkouts."""

    external_id: str
    url: str
    active: bool = True
    customer_id: str = ""
    client_name: str = ""  # from the link's metadata, for matching
    description: str = ""
    amount: Decimal | None = None
    currency: str = ""
    paid_count: int = 0
    last_paid_at: datetime | None = None
    source_status: str = ""
    updated_at: datetime | None = None
    lines: tuple[PaymentLinkLineRecord, ...] = ()


Record = CustomerRecord | ProductRecord | ItemRecord | SubscriptionRecord | InvoiceRecord | PaymentLinkRecord

KIND_OF: dict[type, Kind] = {
    CustomerRecord: Kind.CUSTOMER,
    ProductRecord: Kind.PRODUCT,
    ItemRecord: Kind.ITEM,
    SubscriptionRecord: Kind.SUBSCRIPTION,
    InvoiceRecord: Kind.INVOICE,
    PaymentLinkRecord: Kind.PAYMENT_LINK,
}


@dataclass(frozen=True, slots=True)
class Batch:
    """Records of one kind, stored together in one bulk upsert (a page is a natural batch)."""

    records: tuple[Record, ...]
    total: int | None = None  # the provider's count of this kind, when the first page says it

    @property
    def kind(self) -> Kind | None:
        return KIND_OF[type(self.records[0])] if self.records else None


@dataclass(frozen=True, slots=True)
class Complete:
    kind: Kind


@dataclass(frozen=True, slots=True)
class Removed:
    kind: Kind
    external_ids: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    at: datetime


@dataclass(frozen=True, slots=True)
class ItemWarning:
    """One item the provider listed but could not read (a per-item error inside an answer that
    succeeded overall): recorded on the run as a warning, never fatal. The item's row, if
    stored before, is neither changed nor removed by it."""

    kind: Kind
    external_id: str
    message: str


Yielded = Batch | Complete | Removed | Checkpoint | ItemWarning
