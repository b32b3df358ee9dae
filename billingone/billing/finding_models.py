"""Reconciliation results and the missed-billing queue.

A Finding is one reconciliation result for a client × product × billing term (or, for a source
that cannot be trusted, one per source). Its `key` is its stable identity: the same gap on the
next run updates the same row, so a person's decision (snoozed, ignored, reviewed) sticks
until the finding changes materially. Matched results are stored too (the Reconciliation page
shows them); the queue is the findings with `queued` set.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from billingone.billing.models import MONEY, Client, Customer, Product
from billingone.orgs.models import Organization

QTY = {"max_digits": 14, "decimal_places": 2}


class Outcome(models.TextChoices):
    UNDER_BILLED = "under_billed", "Under-billed"
    OVER_BILLED = "over_billed", "Over-billed"
    MATCHED = "matched", "Matched"
    UNMAPPED = "unmapped", "Unmapped"
    NO_DATA = "no_data", "No data"


class QueueStatus(models.TextChoices):
    OPEN = "open", "Open"
    SNOOZED = "snoozed", "Snoozed"
    IGNORED = "ignored", "Ignored"
    REVIEWED = "reviewed", "Reviewed"
    APPLIED = "applied", "Applied"


class Severity(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"
    INFO = "info", "Info"


SEVERITY_RANK = {Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1, Severity.INFO: 0}


class ReconciliationRun(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    trigger = models.CharField(max_length=40)  # "sync:pax8", "person", "reconcile-mode", …
    scope = models.CharField(max_length=40, default="all")  # "all" or "clients:<n>"
    as_of = models.DateField()
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    summary = models.JSONField(default=dict, blank=True)  # outcome → {count, monthly_amount, clients}
    row_counts = models.JSONField(default=dict, blank=True)  # coverage.row_counts() as the run read them
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    new_or_grown = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["organization", "-started_at"])]

    def __str__(self) -> str:
        return f"reconciliation #{self.pk} ({self.trigger})"


class Finding(models.Model):
    class Scope(models.TextChoices):
        PRODUCT = "product", "Client × product"
        SOURCE = "source", "Source"
        MAPPING = "mapping", "Mapping"  # one product, company or client to map, over all it affects

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=160)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.PRODUCT)
    client = models.ForeignKey(Client, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    client_label = models.CharField(max_length=255, blank=True)
    product_label = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=32, blank=True)  # the vendor source (or the failing source)
    billing_sources = models.CharField(max_length=100, blank=True)  # space-separated
    term = models.CharField(max_length=16, blank=True)  # monthly | annual | multi_year
    kind = models.CharField(max_length=12, choices=Outcome.choices)
    licensed = models.DecimalField(default=0, **QTY)
    billed = models.DecimalField(default=0, **QTY)
    gap = models.DecimalField(default=0, **QTY)  # licensed − billed (negative when over-billed)
    unit_price = models.DecimalField(null=True, blank=True, **MONEY)
    price_source = models.CharField(max_length=10, blank=True)  # invoice | vendor | cost
    # per month: the gap's value (under/over-billed), what it would bill (unmapped), what is billed (matched)
    monthly_impact = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, blank=True)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.INFO)
    severity_rank = models.PositiveSmallIntegerField(default=0)
    reason = models.CharField(max_length=300, blank=True)
    suggested_action = models.CharField(max_length=300, blank=True)
    item_target = models.CharField(max_length=210, blank=True)  # "code:M365BP" or "pattern:business premium"
    digest = models.CharField(max_length=32, blank=True)  # of the figures: tells a changed result from a same one
    queued = models.BooleanField(default=False)
    current = models.BooleanField(default=True)  # produced by the latest run that covered it

    status = models.CharField(max_length=10, choices=QueueStatus.choices, default=QueueStatus.OPEN)
    snoozed_until = models.DateField(null=True, blank=True)
    ignore_reason = models.CharField(max_length=300, blank=True)
    status_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status_at = models.DateTimeField(null=True, blank=True)
    # The finding as it stood when a person quieted it: it stays quiet until it differs materially.
    acknowledged_kind = models.CharField(max_length=12, blank=True)
    acknowledged_gap = models.DecimalField(null=True, blank=True, **QTY)

    first_seen_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    recovered_amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        ordering = ["-severity_rank", "-monthly_impact", "client_label", "pk"]
        constraints = [models.UniqueConstraint(fields=["organization", "key"], name="finding_once_per_key")]
        indexes = [
            models.Index(fields=["organization", "current", "kind"]),
            models.Index(
                fields=["organization", "status", "-severity_rank", "-monthly_impact"],
                condition=Q(queued=True, current=True),
                name="finding_queue",
            ),
            models.Index(fields=["organization", "client"]),
        ]

    def __str__(self) -> str:
        return f"{self.client_label} · {self.product_label} ({self.kind})"
