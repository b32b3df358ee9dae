"""AuditEvent: append-only. Saving an existing row or deleting one raises, in Python and
(through triggers installed by the migration) in the database itself."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditImmutableError(Exception):
    """Audit events are never changed or removed."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditImmutableError("audit events cannot be updated")

    def delete(self):
        raise AuditImmutableError("audit events cannot be deleted")

    def for_organization(self, organization):
        return self.filter(organization=organization)


class AuditEvent(models.Model):
    class ActorKind(models.TextChoices):
        USER = "user", "User"
        SYSTEM = "system", "System"

    # Set by record() before hashing (auto_now_add would change it after the hash is computed).
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    organization = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices, default=ActorKind.USER)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The actor's email at the time, kept when the user is later deleted.
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    # {"field": {"before": ..., "after": ...}} for what changed.
    changes = models.JSONField(default=dict, blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    # The hash chain (audit/chain.py): one chain per organization ("org:<id>", or "global"),
    # entry `seq` of it, the previous entry's hash and this entry's.
    chain = models.CharField(max_length=40, blank=True, db_index=True)
    seq = models.BigIntegerField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="audit_org_time")]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_one_seq_per_chain")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} by {self.actor_label or self.actor_kind}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditImmutableError("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutableError("audit events cannot be deleted")

    def get_description(self) -> str:
        from billingone.audit.events import describe

        return describe(self.action)

    def get_target_kind(self) -> str:
        from billingone.audit.events import target_kind

        return target_kind(self.target_type)


class AuditChainHead(models.Model):
    """The last entry of a chain; record() locks this row so entries are chained one at a time."""

    chain = models.CharField(max_length=40, unique=True)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.chain} #{self.seq}"


class AuditCheckpoint(models.Model):
    """Written when old entries are pruned: the chain continues from `head_hash` (the hash of
    the last pruned entry, number `through_seq`), so verification still covers what is left."""

    chain = models.CharField(max_length=40, db_index=True)
    organization = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.PROTECT)
    through_seq = models.BigIntegerField()
    head_hash = models.CharField(max_length=64)
    pruned_count = models.PositiveIntegerField()
    cutoff = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-through_seq"]

    def __str__(self) -> str:
        return f"{self.chain} pruned through #{self.through_seq}"


class AuditPrunePermit(models.Model):
    """SQLite only: the DELETE trigger lets rows go while a row exists here, which only the
    prune transaction inserts (and removes before it commits)."""

    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"prune permit {self.pk}"
