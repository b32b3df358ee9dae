"""Notification state: preferences, the org-wide policy, push devices, deliveries and the
in-app feed. Deliveries are the unit of work for the task worker (one per user × channel
× device), unique per de-duplication key so a repeated notify() sends nothing twice."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class NotificationPreference(models.Model):
    """A user's saved choice for one event; events without a row follow the role default."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    event = models.CharField(max_length=64)
    email = models.BooleanField()
    in_app = models.BooleanField()
    push = models.BooleanField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "event"], name="one_preference_per_event")]

    def __str__(self) -> str:
        return f"{self.user} · {self.event}"


class OrganizationNotificationPolicy(models.Model):
    """Org-wide switches (Owner/Admin). Sync-failure notifications are off until turned on."""

    organization = models.OneToOneField("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    sync_failures_enabled = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"notification policy of {self.organization}"


def token_digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class PushDevice(models.Model):
    class Platform(models.TextChoices):
        APNS = "apns", "iOS (APNs)"
        WEBPUSH = "webpush", "Browser (Web Push)"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_devices")
    platform = models.CharField(max_length=10, choices=Platform.choices)
    # APNs: the hex device token. Web Push: the subscription endpoint URL.
    token = models.TextField()
    # Unique index on a digest: endpoint URLs are too long to index directly everywhere.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # Web Push only: the subscription's public key and auth secret (base64url).
    p256dh = models.CharField(max_length=200, blank=True)
    auth = models.CharField(max_length=100, blank=True)
    name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name or self.get_platform_display()

    def save(self, *args, **kwargs):
        self.token_hash = token_digest(f"{self.platform}:{self.token}")
        super().save(*args, **kwargs)


class Notification(models.Model):
    """An in-app feed item."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    # Null for personal security notices that belong to no organization.
    organization = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.CASCADE)
    event = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)  # a path on this site
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # The delivery that made it: a retried delivery never makes a second item.
    delivery = models.OneToOneField("Delivery", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The feed: a user's items newest first, read from the index in order and cut at a page.
            models.Index(F("user"), F("created_at").desc(), F("id").desc(), name="notification_user_feed"),
            # The bell's unread count: only unread rows are in it, with the organization to filter on.
            models.Index(
                fields=["user", "organization"], condition=Q(read_at__isnull=True), name="notification_user_unread"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        DROPPED = "dropped", "Dropped"  # e.g. the push device was removed meanwhile

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.CASCADE)
    event = models.CharField(max_length=64)
    channel = models.CharField(max_length=10)
    # "" for email and in-app, "device:<id>" for a push to one device.
    target = models.CharField(max_length=40, blank=True)
    device = models.ForeignKey(PushDevice, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    dedupe_key = models.CharField(max_length=200)
    # The rendered message: {"title", "body", "url", "context"}; secret-free by construction.
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Last claim or retry: the stuck-delivery sweep looks for pending rows untouched for long.
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key", "user", "channel", "target"], name="one_delivery_per_target")
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.event} → {self.user} ({self.channel} {self.target})".strip()


class KnownDevice(models.Model):
    """Devices a user has signed in from, to notice a new one (fingerprint of the user agent)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    fingerprint = models.CharField(max_length=64)
    label = models.CharField(max_length=200)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "fingerprint"], name="one_known_device")]

    def __str__(self) -> str:
        return self.label
