"""The provider-neutral billing model: one shape for every provider's synced data.

Every synced row is keyed by (organization, source, external_id): `source` is the provider's
key, `external_id` its own id. A sync is an idempotent bulk upsert (store.py): `fingerprint`
tells an updated row from an unchanged one, `last_seen_run` is the run that last wrote it, and a
complete scan flags rows it did not see with `removed_at` (never deletes). `source_status` is the
provider's own word beside our normalised `status`.

Customer (a company as one provider knows it) ↔ Client (the MSP's client, canonical, one row
linking customers across providers through ClientLink). Product (vendor SKU) ↔ Item (accounting
item) through ProductItemMapping. Subscription (vendor side), Invoice + InvoiceLine (accounting
side), PaymentLink (payments).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from billingone.integrations.records import (
    BillingTerm,
    InvoiceKind,
    InvoiceStatus,
    SubscriptionKind,
    SubscriptionStatus,
)
from billingone.orgs.models import Organization

MONEY = {"max_digits": 16, "decimal_places": 4}


def choices(enum) -> list[tuple[str, str]]:
    return [(member.value, member.value.replace("_", " ").capitalize()) for member in enum]


class SyncedRecord(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=32)  # the provider's key
    external_id = models.CharField(max_length=128)
    source_status = models.CharField(max_length=40, blank=True)
    fingerprint = models.CharField(max_length=32)
    last_seen_run = models.BigIntegerField(default=0)
    removed_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @classmethod
    def once_per_source(cls, name: str) -> models.UniqueConstraint:
        return models.UniqueConstraint(fields=["organization", "source", "external_id"], name=name)


class Client(models.Model):
    """The MSP's client: one canonical row that links its customers across providers."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=255)
    normalized_name = models.CharField(max_length=255, blank=True)
    aliases = models.JSONField(default=list, blank=True)  # remembered names people linked by hand
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["organization", "name"]),
            models.Index(fields=["organization", "normalized_name"]),
        ]

    def __str__(self) -> str:
        return self.name


class Customer(SyncedRecord):
    """A company as one provider knows it: Pax8 company, Xero contact, QuickBooks customer, …"""

    name = models.CharField(max_length=255)
    normalized_name = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=255, blank=True)
    website = models.CharField(max_length=255, blank=True)
    domains = models.CharField(max_length=500, blank=True)  # space-separated, lower-case
    active = models.BooleanField(default=True)
    is_client = models.BooleanField(default=True)  # False: a supplier-only contact, never a client
    updated_at = models.DateTimeField(null=True, blank=True)
    # The confirmed client, kept in step with the confirmed ClientLink (matching.py) so that
    # reconciliation joins rows to clients without a subquery.
    client = models.ForeignKey(Client, null=True, blank=True, on_delete=models.SET_NULL, related_name="customers")
    first_seen_at = models.DateTimeField(default=timezone.now)

    SYNCED_FIELDS = (
        "name",
        "normalized_name",
        "email",
        "website",
        "domains",
        "active",
        "is_client",
        "updated_at",
        "source_status",
    )

    class Meta:
        ordering = ["name", "pk"]
        constraints = [SyncedRecord.once_per_source("customer_once_per_source")]
        indexes = [
            models.Index(fields=["organization", "normalized_name"]),
            models.Index(fields=["organization", "client"]),
        ]

    def __str__(self) -> str:
        return self.name


class ClientLink(models.Model):
    """A customer linked to a client: suggested by matching, confirmed or rejected by a person."""

    class State(models.TextChoices):
        SUGGESTED = "suggested", "Suggested"
        CONFIRMED = "confirmed", "Confirmed"
        REJECTED = "rejected", "Rejected"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="links")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="links")
    state = models.CharField(max_length=10, choices=State.choices, default=State.SUGGESTED)
    confidence = models.PositiveSmallIntegerField(default=0)  # 0–100
    reason = models.CharField(max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-confidence", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["client", "customer"], name="client_link_once"),
            models.UniqueConstraint(
                fields=["customer"], condition=Q(state="confirmed"), name="customer_confirmed_once"
            ),
        ]
        indexes = [models.Index(fields=["organization", "state"])]

    def __str__(self) -> str:
        return f"{self.customer_id} → {self.client_id} ({self.state})"


class Product(SyncedRecord):
    """A vendor SKU: a Pax8 product, a Synergy domain extension or hosting plan."""

    name = models.CharField(max_length=255)
    vendor = models.CharField(max_length=255, blank=True)
    sku = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=10, choices=choices(SubscriptionKind), default=SubscriptionKind.LICENCE)
    description = models.CharField(max_length=500, blank=True)
    requires_commitment = models.BooleanField(default=False)

    SYNCED_FIELDS = ("name", "vendor", "sku", "kind", "description", "requires_commitment", "source_status")

    class Meta:
        ordering = ["name", "pk"]
        constraints = [SyncedRecord.once_per_source("product_once_per_source")]

    def __str__(self) -> str:
        return self.name


class Item(SyncedRecord):
    """An accounting item: what an invoice line bills (Xero item code, QuickBooks item, …)."""

    code = models.CharField(max_length=100)
    name = models.CharField(max_length=255, blank=True)
    description = models.CharField(max_length=500, blank=True)
    unit_price = models.DecimalField(null=True, blank=True, **MONEY)
    active = models.BooleanField(default=True)

    SYNCED_FIELDS = ("code", "name", "description", "unit_price", "active", "source_status")

    class Meta:
        ordering = ["code", "pk"]
        constraints = [SyncedRecord.once_per_source("item_once_per_source")]
        indexes = [models.Index(fields=["organization", "code"])]

    def __str__(self) -> str:
        return self.code or self.name


class ProductItemMapping(models.Model):
    """Which accounting item (or line-description pattern) bills a vendor product."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="mapping")
    item_code = models.CharField(max_length=100, blank=True)
    description_pattern = models.CharField(max_length=200, blank=True)
    confirmed = models.BooleanField(default=False)
    confidence = models.PositiveSmallIntegerField(default=0)
    reason = models.CharField(max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "item_code"])]

    def __str__(self) -> str:
        return f"{self.product_id} → {self.item_code or self.description_pattern}"


class Subscription(SyncedRecord):
    """Something bought from a vendor on a term for one customer: licences, domains, hosting."""

    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    customer_external_id = models.CharField(max_length=128, blank=True)
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    product_external_id = models.CharField(max_length=128, blank=True)
    product_name = models.CharField(max_length=255, blank=True)
    name = models.CharField(max_length=255, blank=True)
    kind = models.CharField(max_length=10, choices=choices(SubscriptionKind), default=SubscriptionKind.LICENCE)
    quantity = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    unit_price = models.DecimalField(null=True, blank=True, **MONEY)
    unit_cost = models.DecimalField(null=True, blank=True, **MONEY)
    currency = models.CharField(max_length=3, blank=True)
    billing_term = models.CharField(max_length=16, choices=choices(BillingTerm), default=BillingTerm.MONTHLY)
    source_term = models.CharField(max_length=30, blank=True)
    status = models.CharField(max_length=12, choices=choices(SubscriptionStatus), default=SubscriptionStatus.ACTIVE)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    renews_on = models.DateField(null=True, blank=True)
    auto_renew = models.BooleanField(null=True, blank=True)
    plan = models.CharField(max_length=100, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    SYNCED_FIELDS = (
        "customer_id",
        "customer_external_id",
        "product_id",
        "product_external_id",
        "product_name",
        "name",
        "kind",
        "quantity",
        "unit_price",
        "unit_cost",
        "currency",
        "billing_term",
        "source_term",
        "status",
        "source_status",
        "start_date",
        "end_date",
        "renews_on",
        "auto_renew",
        "plan",
        "updated_at",
    )

    class Meta:
        ordering = ["product_name", "pk"]
        constraints = [SyncedRecord.once_per_source("subscription_once_per_source")]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["organization", "kind", "renews_on"]),
            models.Index(fields=["organization", "customer"]),
        ]

    def __str__(self) -> str:
        return f"{self.product_name or self.name} × {self.quantity}"

    @property
    def total(self):
        return self.quantity * (self.unit_price or 0)


def invoice_status_filter(status: str, today: date) -> Q:
    """Overdue is a submitted invoice past its due date, whichever provider it came from."""
    if status == InvoiceStatus.OVERDUE:
        return Q(status=InvoiceStatus.OVERDUE) | Q(status=InvoiceStatus.SUBMITTED, due_date__lt=today)
    if status == InvoiceStatus.SUBMITTED:
        return Q(status=InvoiceStatus.SUBMITTED) & (Q(due_date__isnull=True) | Q(due_date__gte=today))
    return Q(status=status)


class Invoice(SyncedRecord):
    """A sales invoice or credit note from any accounting provider."""

    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    customer_external_id = models.CharField(max_length=128, blank=True)
    customer_name = models.CharField(max_length=255, blank=True)
    number = models.CharField(max_length=255, blank=True)
    reference = models.CharField(max_length=255, blank=True)
    kind = models.CharField(max_length=12, choices=choices(InvoiceKind), default=InvoiceKind.INVOICE)
    status = models.CharField(max_length=10, choices=choices(InvoiceStatus), default=InvoiceStatus.SUBMITTED)
    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    subtotal = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    tax = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    amount_due = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    amount_paid = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    url = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    SYNCED_FIELDS = (
        "customer_id",
        "customer_external_id",
        "customer_name",
        "number",
        "reference",
        "kind",
        "status",
        "source_status",
        "issue_date",
        "due_date",
        "paid_on",
        "currency",
        "subtotal",
        "tax",
        "total",
        "amount_due",
        "amount_paid",
        "url",
        "updated_at",
    )

    class Meta:
        ordering = ["-issue_date", "-number", "pk"]
        constraints = [SyncedRecord.once_per_source("invoice_once_per_source")]
        indexes = [
            models.Index(fields=["organization", "status", "due_date"]),
            models.Index(fields=["organization", "-issue_date"]),
            models.Index(fields=["organization", "customer", "issue_date"]),
        ]

    def __str__(self) -> str:
        return self.number or self.external_id

    def display_status(self, today: date | None = None) -> str:
        today = today or timezone.localdate()
        if self.status == InvoiceStatus.SUBMITTED and self.due_date is not None and self.due_date < today:
            return InvoiceStatus.OVERDUE
        return self.status


class InvoiceLine(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    external_id = models.CharField(max_length=128, blank=True)
    item_code = models.CharField(max_length=100, blank=True)
    item_external_id = models.CharField(max_length=128, blank=True)
    description = models.TextField(blank=True)
    quantity = models.DecimalField(max_digits=14, decimal_places=4, default=0)
    unit_price = models.DecimalField(default=0, **MONEY)
    amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    tax = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["invoice", "position"]
        indexes = [models.Index(fields=["organization", "item_code"])]

    def __str__(self) -> str:
        return f"{self.description} × {self.quantity}"


class PaymentLink(SyncedRecord):
    """A payment link (Stripe) and what it charges; paid counts come from completed checkouts."""

    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    customer_external_id = models.CharField(max_length=128, blank=True)
    client_name = models.CharField(max_length=255, blank=True)
    description = models.CharField(max_length=500, blank=True)
    amount = models.DecimalField(null=True, blank=True, **MONEY)
    currency = models.CharField(max_length=3, blank=True)
    active = models.BooleanField(default=True)
    url = models.CharField(max_length=500, blank=True)
    paid_count = models.PositiveIntegerField(default=0)
    last_paid_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    SYNCED_FIELDS = (
        "customer_id",
        "customer_external_id",
        "client_name",
        "description",
        "amount",
        "currency",
        "active",
        "url",
        "paid_count",
        "last_paid_at",
        "source_status",
        "updated_at",
    )

    class Meta:
        ordering = ["client_name", "description", "pk"]
        constraints = [SyncedRecord.once_per_source("payment_link_once_per_source")]
        indexes = [models.Index(fields=["organization", "active"])]

    def __str__(self) -> str:
        return self.description or self.url


class PaymentLinkLine(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    payment_link = models.ForeignKey(PaymentLink, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(max_length=500, blank=True)
    quantity = models.DecimalField(max_digits=14, decimal_places=4, default=1)
    unit_amount = models.DecimalField(null=True, blank=True, **MONEY)
    amount = models.DecimalField(null=True, blank=True, **MONEY)
    currency = models.CharField(max_length=3, blank=True)
    price_id = models.CharField(max_length=128, blank=True)

    class Meta:
        ordering = ["payment_link", "position"]

    def __str__(self) -> str:
        return f"{self.description} × {self.quantity}"


# Reconciliation results and the missed-billing queue (reconciliation.py, missed_billing.py), and the invoice
# drafts built from the queue and pushed to the accounting provider (drafts.py).
from billingone.billing.draft_models import (  # noqa: E402, F401
    DraftKind,
    DraftStatus,
    InvoiceDraft,
    InvoiceDraftLine,
    recovered_through_drafts,
)
from billingone.billing.finding_models import Finding, Outcome, QueueStatus, ReconciliationRun  # noqa: E402, F401
