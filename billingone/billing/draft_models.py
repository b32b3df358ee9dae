"""Invoice drafts: the gaps of the missed-billing queue put on an invoice (or credit note) for a client.

A draft belongs to one client and one target, the accounting source that bills that client (its
confirmed link to a Xero contact or a QuickBooks customer). Applying queue items adds lines to the
client's open draft (at most one per client × target × kind). A person edits, approves and pushes
it; the push is keyed by `idempotency_key` so a retry or a double click creates one invoice at the
provider, whose id and link are kept. `total` is the sum of the lines' amounts (before tax) and
`pushed_at` says when it reached the provider, so money recovered through drafts is one aggregate
(`recovered_through_drafts`).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone

from billingone.billing.models import MONEY, Client, Customer, Item
from billingone.orgs.models import Organization


class DraftKind(models.TextChoices):
    INVOICE = "invoice", "Invoice"
    CREDIT_NOTE = "credit_note", "Credit note"


class DraftStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    PUSHING = "pushing", "Pushing"
    PUSHED = "pushed", "Pushed"
    FAILED = "failed", "Failed"


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class InvoiceDraft(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="invoice_drafts")
    # The accounting customer the draft is pushed to (the client's confirmed link in `target`).
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    target = models.CharField(max_length=32)  # the accounting provider's key: xero, quickbooks, …
    kind = models.CharField(max_length=12, choices=DraftKind.choices, default=DraftKind.INVOICE)
    status = models.CharField(max_length=10, choices=DraftStatus.choices, default=DraftStatus.DRAFT)
    currency = models.CharField(max_length=3, blank=True)
    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    reference = models.CharField(max_length=255, blank=True)
    total = models.DecimalField(max_digits=16, decimal_places=2, default=0)  # sum of line amounts, before tax
    # Sent with every push attempt of the same content; a new one only once the content changes after a failure.
    idempotency_key = models.CharField(max_length=64, default=new_idempotency_key, unique=True)
    external_id = models.CharField(max_length=128, blank=True)
    external_number = models.CharField(max_length=255, blank=True)
    external_url = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    # The provider refused the last push (validation): it remembers that answer for the key, so the
    # next push after an edit needs a new key. A timeout never sets it: the invoice may exist.
    rejected = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    pushed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pushed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "client", "target", "kind"],
                condition=Q(status="draft"),
                name="invoice_draft_open_once",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "status", "-updated_at"]),
            models.Index(fields=["organization", "pushed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} draft #{self.pk} for {self.client_id} ({self.status})"

    @property
    def editable(self) -> bool:
        return self.status in (DraftStatus.DRAFT, DraftStatus.FAILED)


class InvoiceDraftLine(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    draft = models.ForeignKey(InvoiceDraft, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    # The queue item the line bills (None for a line a person added or once the finding is gone).
    finding = models.ForeignKey(
        "billing.Finding", null=True, blank=True, on_delete=models.SET_NULL, related_name="draft_lines"
    )
    item = models.ForeignKey(Item, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    item_code = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    quantity = models.DecimalField(max_digits=14, decimal_places=4, default=0)
    unit_price = models.DecimalField(default=0, **MONEY)
    tax_code = models.CharField(max_length=50, blank=True)
    account_code = models.CharField(max_length=50, blank=True)
    amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    error = models.TextField(blank=True)  # the provider's validation error about this line, from the last push

    class Meta:
        ordering = ["draft", "position", "pk"]
        indexes = [models.Index(fields=["organization", "finding"])]

    def __str__(self) -> str:
        return f"{self.description} × {self.quantity}"


def recovered_through_drafts(organization) -> Decimal:
    """Money recovered through pushed invoice drafts (credit notes give money back, so they do not count)."""
    row = InvoiceDraft.objects.filter(
        organization=organization, status=DraftStatus.PUSHED, kind=DraftKind.INVOICE
    ).aggregate(total=Sum("total"))
    return Decimal(row["total"] or 0)
