"""Synced Xero data (contacts, sales invoices, their lines) and the client mapping, one copy
per organization. Rows are keyed by (organization, xero_id) so syncs are idempotent upserts;
`fingerprint` tells an updated row from an unchanged one; a full scan flags rows it did not
see with `removed_at` (Xero itself never deletes invoices, it voids or deletes them by status).
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from billingone.billing.legacy_models import Pax8Company
from billingone.orgs.models import Organization


class XeroRow(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    xero_id = models.CharField(max_length=64)
    fingerprint = models.CharField(max_length=32)
    last_seen_run = models.BigIntegerField(default=0)
    removed_at = models.DateTimeField(null=True, blank=True)
    updated_utc = models.DateTimeField(null=True, blank=True)  # Xero's UpdatedDateUTC
    synced_at = models.DateTimeField(auto_now=True)

    SYNCED_FIELDS: tuple[str, ...] = ()

    class Meta:
        abstract = True


class XeroContact(XeroRow):
    name = models.CharField(max_length=255)
    email = models.CharField(max_length=255, blank=True)
    contact_status = models.CharField(max_length=20, blank=True)
    is_customer = models.BooleanField(default=False)
    is_supplier = models.BooleanField(default=False)

    SYNCED_FIELDS = ("name", "email", "contact_status", "is_customer", "is_supplier", "updated_utc")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "xero_id"], name="xero_contact_once_per_org")]

    def __str__(self) -> str:
        return self.name


class InvoiceStatus(models.TextChoices):
    """What the Invoices page shows; Overdue is AUTHORISED past its due date (computed, not stored)."""

    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    PAID = "paid", "Paid"
    OVERDUE = "overdue", "Overdue"
    VOIDED = "voided", "Voided"


def status_filter(status: str, today: date) -> Q:
    """The Q for one displayed status over Xero's own statuses and the due date."""
    return {
        InvoiceStatus.DRAFT: Q(xero_status="DRAFT"),
        InvoiceStatus.SUBMITTED: Q(xero_status="SUBMITTED") | Q(xero_status="AUTHORISED", due_date__gte=today),
        InvoiceStatus.PAID: Q(xero_status="PAID"),
        InvoiceStatus.OVERDUE: Q(xero_status="AUTHORISED", due_date__lt=today),
        InvoiceStatus.VOIDED: Q(xero_status__in=["VOIDED", "DELETED"]),
    }[InvoiceStatus(status)]


class XeroInvoice(XeroRow):
    contact = models.ForeignKey(XeroContact, null=True, blank=True, on_delete=models.SET_NULL, related_name="invoices")
    contact_xero_id = models.CharField(max_length=64, blank=True)
    contact_name = models.CharField(max_length=255, blank=True)
    number = models.CharField(max_length=255, blank=True)
    reference = models.CharField(max_length=255, blank=True)
    xero_status = models.CharField(max_length=12)
    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    fully_paid_on = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    subtotal = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total_tax = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    amount_due = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    amount_paid = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    SYNCED_FIELDS = (
        "contact_xero_id",
        "contact_name",
        "number",
        "reference",
        "xero_status",
        "issue_date",
        "due_date",
        "fully_paid_on",
        "currency",
        "subtotal",
        "total_tax",
        "total",
        "amount_due",
        "amount_paid",
        "updated_utc",
    )

    class Meta:
        ordering = ["-issue_date", "-number"]
        constraints = [models.UniqueConstraint(fields=["organization", "xero_id"], name="xero_invoice_once_per_org")]
        indexes = [
            models.Index(fields=["organization", "xero_status", "due_date"]),
            models.Index(fields=["organization", "-issue_date"]),
        ]

    def __str__(self) -> str:
        return self.number or self.xero_id

    def display_status(self, today: date | None = None) -> InvoiceStatus:
        today = today or timezone.localdate()
        if self.xero_status == "AUTHORISED":
            overdue = self.due_date is not None and self.due_date < today
            return InvoiceStatus.OVERDUE if overdue else InvoiceStatus.SUBMITTED
        return {
            "DRAFT": InvoiceStatus.DRAFT,
            "SUBMITTED": InvoiceStatus.SUBMITTED,
            "PAID": InvoiceStatus.PAID,
        }.get(self.xero_status, InvoiceStatus.VOIDED)

    @property
    def xero_url(self) -> str:
        query = urlencode({"InvoiceID": self.xero_id})  # an id from the provider: never trusted raw
        return f"{settings.XERO_WEB_URL.rstrip('/')}/AccountsReceivable/View.aspx?{query}"


class XeroLineItem(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    invoice = models.ForeignKey(XeroInvoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    line_id = models.CharField(max_length=64, blank=True)
    description = models.TextField(blank=True)
    item_code = models.CharField(max_length=100, blank=True)
    account_code = models.CharField(max_length=20, blank=True)
    quantity = models.DecimalField(max_digits=14, decimal_places=4, default=0)
    unit_amount = models.DecimalField(max_digits=14, decimal_places=4, default=0)
    line_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    tax_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        ordering = ["invoice", "position"]

    def __str__(self) -> str:
        return f"{self.description} × {self.quantity}"


class ClientMapping(models.Model):
    """One Pax8 company paired with (at most) one Xero contact: suggested, then confirmed."""

    class State(models.TextChoices):
        UNMAPPED = "unmapped", "Unmapped"
        SUGGESTED = "suggested", "Suggested"
        CONFIRMED = "confirmed", "Confirmed"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    company = models.OneToOneField(Pax8Company, on_delete=models.CASCADE, related_name="mapping")
    contact = models.ForeignKey(XeroContact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.UNMAPPED)
    confidence = models.PositiveSmallIntegerField(default=0)  # 0–100, of the suggestion
    reason = models.CharField(max_length=200, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["company__name"]
        indexes = [models.Index(fields=["organization", "state"])]

    def __str__(self) -> str:
        return f"{self.company} → {self.contact or '—'}"
