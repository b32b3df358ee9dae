"""Connection (one organization's link to one provider) and SyncRun (one background sync).

Credentials are one JSON object encrypted with AES-256-GCM (lib/crypto.py) whose associated
data names the organization, the model, the row and the provider: a ciphertext copied onto
another row or organization fails to decrypt instead of leaking.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from billingone.lib import crypto
from billingone.orgs.models import Organization

CONNECTION_AAD_LABEL = "integrations.connection"


class Connection(models.Model):
    class Status(models.TextChoices):
        NOT_CONNECTED = "not_connected", "Not connected"
        CONNECTED = "connected", "Connected"
        SYNCING = "syncing", "Syncing"
        ERROR = "error", "Error"
        NEEDS_ATTENTION = "needs_attention", "Needs attention"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="connections")
    provider = models.CharField(max_length=32)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_CONNECTED)
    status_reason = models.CharField(max_length=300, blank=True)
    config = models.JSONField(default=dict, blank=True)
    credentials_token = models.TextField(blank=True, editable=False)  # encrypted JSON; never displayed
    connected_at = models.DateTimeField(null=True, blank=True)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_run = models.ForeignKey("SyncRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "provider"], name="one_connection_per_provider")]

    def __str__(self) -> str:
        return f"{self.provider} · {self.organization}"

    # ---- credentials (the only code that touches credentials_token) ----
    def _aad(self) -> bytes:
        if self.pk is None:
            raise ValueError("Save the connection before storing credentials (the row id is bound in).")
        return crypto.associated_data(self.organization_id, CONNECTION_AAD_LABEL, self.pk, self.provider)

    def set_credentials(self, values: dict[str, str]) -> None:
        self.credentials_token = crypto.encrypt(json.dumps(values, sort_keys=True), aad=self._aad())

    def get_credentials(self) -> dict[str, str]:
        """The decrypted credentials ({} when none); raises crypto.DecryptionError if tampered/moved."""
        if not self.credentials_token:
            return {}
        return json.loads(crypto.decrypt(self.credentials_token, aad=self._aad()))

    def clear_credentials(self) -> None:
        self.credentials_token = ""

    def rotate_credentials(self) -> bool:
        if not self.credentials_token:
            return False
        fresh = crypto.reencrypt(self.credentials_token, aad=self._aad())
        if fresh:
            self.credentials_token = fresh
        return bool(fresh)

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials_token)

    @property
    def is_connected(self) -> bool:
        return self.has_credentials and self.status != self.Status.NOT_CONNECTED


class SyncRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        PERSON = "person", "Person"
        SCHEDULE = "schedule", "Schedule"
        SYNC_ALL = "sync_all", "Sync All"
        WEBHOOK = "webhook", "Webhook"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="sync_runs")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="runs")
    provider = models.CharField(max_length=32)
    mode = models.CharField(max_length=32, default="full")
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempt = models.PositiveSmallIntegerField(default=1)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    permanent = models.BooleanField(default=False)
    # Items the provider listed but could not read (per-item errors in a list that succeeded).
    warnings = models.PositiveIntegerField(default=0)
    warning_message = models.CharField(max_length=500, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)  # the lease: renewed while running
    # The `since` the next delta sync hands the provider (its own clock when it gave one).
    checkpoint = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-queued_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "-queued_at"]),
            # Each provider's last run (the Integrations page), found without scanning the others'.
            models.Index(fields=["organization", "provider", "-queued_at"], name="syncrun_org_provider_time"),
        ]
        constraints = [
            # At most one run in flight per connection, enforced by the database itself.
            models.UniqueConstraint(
                fields=["connection"],
                condition=Q(status__in=["queued", "running"]),
                name="one_active_run_per_connection",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.mode} #{self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(self.progress_done * 100 / self.progress_total))

    @property
    def duration(self) -> timedelta | None:
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None

    def counts(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged, "removed": self.removed}
