"""Scheduled audit-log maintenance."""

from __future__ import annotations

from crontask import cron
from django.conf import settings
from django.tasks import task


@cron("17 3 * * *")
@task
def prune_audit_log() -> int:
    """Daily: drop entries older than AUDIT_RETENTION_DAYS (0 = keep everything)."""
    from billingone.audit.prune import prune

    return sum(result.pruned for result in prune(settings.AUDIT_RETENTION_DAYS))
