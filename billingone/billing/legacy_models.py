"""Legacy per-provider tables (Pax8), kept until the neutral model replaces them.

Synced Pax8 data, one copy per organization (tenant-scoped: every row has `organization`).

Rows are keyed by (organization, pax8_id) so a sync is an idempotent upsert: a rerun after a
crash neither loses nor duplicates anything. `last_seen_run` is the sync run that last saw
the row; a complete scan marks rows it did not see as removed (`removed_at`), never deletes.
"""

from __future__ import annotations

from django.db import models

from billingone.orgs.models import Organization


class SyncedRow(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    pax8_id = models.CharField(max_length=64)
    fingerprint = models.CharField(max_length=32)  # hash of the synced fields: tells updated from unchanged
    last_seen_run = models.BigIntegerField(default=0)
    removed_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(auto_now=True)

    # Fields a sync writes, in addition to the bookkeeping above (set per model).
    SYNCED_FIELDS: tuple[str, ...] = ()

    class Meta:
        abstract = True


class Pax8Company(SyncedRow):
    name = models.CharField(max_length=255)
    status = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, blank=True)
    website = models.CharField(max_length=255, blank=True)
    external_id = models.CharField(max_length=100, blank=True)
    updated_date = models.DateTimeField(null=True, blank=True)

    SYNCED_FIELDS = ("name", "status", "city", "country", "website", "external_id", "updated_date")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "pax8_id"], name="pax8_company_once_per_org")]

    def __str__(self) -> str:
        return self.name


class Pax8Product(SyncedRow):
    name = models.CharField(max_length=255)
    vendor_name = models.CharField(max_length=255, blank=True)
    sku = models.CharField(max_length=100, blank=True)
    vendor_sku = models.CharField(max_length=100, blank=True)
    short_description = models.CharField(max_length=500, blank=True)
    requires_commitment = models.BooleanField(default=False)

    SYNCED_FIELDS = ("name", "vendor_name", "sku", "vendor_sku", "short_description", "requires_commitment")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "pax8_id"], name="pax8_product_once_per_org")]

    def __str__(self) -> str:
        return self.name


class Pax8Subscription(SyncedRow):
    class Display(models.TextChoices):
        """The four statuses the Subscriptions page shows (Pax8 has ten; see DISPLAY_STATUS)."""

        ACTIVE = "active", "Active"
        TRIAL = "trial", "Trial"
        SUSPENDED = "suspended", "Suspended"
        CANCELLED = "cancelled", "Cancelled"

    company = models.ForeignKey(Pax8Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    product = models.ForeignKey(Pax8Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    company_pax8_id = models.CharField(max_length=64, blank=True)
    product_pax8_id = models.CharField(max_length=64, blank=True)
    product_name = models.CharField(max_length=255, blank=True)
    vendor_subscription_id = models.CharField(max_length=100, blank=True)
    quantity = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    price = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    partner_cost = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency_code = models.CharField(max_length=3, blank=True)
    billing_term = models.CharField(max_length=20, blank=True)
    pax8_status = models.CharField(max_length=30, blank=True)
    status = models.CharField(max_length=12, choices=Display.choices, default=Display.ACTIVE)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    billing_start = models.DateField(null=True, blank=True)
    updated_date = models.DateTimeField(null=True, blank=True)

    SYNCED_FIELDS = (
        "company_id",
        "product_id",
        "company_pax8_id",
        "product_pax8_id",
        "product_name",
        "vendor_subscription_id",
        "quantity",
        "price",
        "partner_cost",
        "currency_code",
        "billing_term",
        "pax8_status",
        "status",
        "start_date",
        "end_date",
        "billing_start",
        "updated_date",
    )

    class Meta:
        ordering = ["company__name", "product_name", "pax8_id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "pax8_id"], name="pax8_subscription_once_per_org")
        ]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return f"{self.product_name} × {self.quantity}"

    @property
    def total(self):
        return self.quantity * self.price


# Pax8's subscription statuses → what the page shows. Pending states are not (yet) billable
# service, shown as suspended; PendingCancel is on its way out, shown as cancelled.
DISPLAY_STATUS = {
    "Active": Pax8Subscription.Display.ACTIVE,
    "Activated": Pax8Subscription.Display.ACTIVE,
    "Converted": Pax8Subscription.Display.ACTIVE,
    "Trial": Pax8Subscription.Display.TRIAL,
    "PendingManual": Pax8Subscription.Display.SUSPENDED,
    "PendingAutomated": Pax8Subscription.Display.SUSPENDED,
    "WaitingForDetails": Pax8Subscription.Display.SUSPENDED,
    "PendingActivation": Pax8Subscription.Display.SUSPENDED,
    "PendingCancel": Pax8Subscription.Display.CANCELLED,
    "Cancelled": Pax8Subscription.Display.CANCELLED,
}


# Xero's synced data and the client mapping live in their own module (issue 6).
from billingone.billing.xero_models import (  # noqa: E402, F401
    ClientMapping,
    XeroContact,
    XeroInvoice,
    XeroLineItem,
)
