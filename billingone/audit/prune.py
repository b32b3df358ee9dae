"""Retention: prune entries older than AUDIT_RETENTION_DAYS, one chain at a time.

The DELETE triggers refuse every delete except inside this function's transaction, which
switches them off for itself only (PostgreSQL: a transaction-local setting the trigger reads;
SQLite: a row in audit_auditprunepermit the trigger's WHEN clause looks for). Each prune
writes a checkpoint (the chain head it continues from) and is itself an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from billingone.audit.chain import verify_chain
from billingone.audit.models import AuditChainHead, AuditCheckpoint, AuditEvent, AuditPrunePermit


class PruneRefused(Exception):
    """The chain is broken: pruning would destroy the evidence."""


@dataclass
class PruneResult:
    chain: str
    pruned: int
    through_seq: int


def _allow_deletes(allowed: bool) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('billingone.audit_prune', %s, true)", ["on" if allowed else "off"])
    elif allowed:
        AuditPrunePermit.objects.create()
    else:
        AuditPrunePermit.objects.all().delete()


def prune_chain(chain: str, cutoff: datetime) -> PruneResult | None:
    from billingone.audit.log import record

    with transaction.atomic():
        AuditChainHead.objects.select_for_update().filter(chain=chain).first()
        last = AuditEvent.objects.filter(chain=chain, created_at__lt=cutoff).order_by("-seq").first()
        if last is None:
            return None
        problem = verify_chain(chain)
        if problem is not None:
            raise PruneRefused(str(problem))
        doomed = AuditEvent.objects.filter(chain=chain, seq__lte=last.seq)
        count = doomed.count()
        AuditCheckpoint.objects.create(
            chain=chain,
            organization_id=last.organization_id,
            through_seq=last.seq,
            head_hash=last.hash,
            pruned_count=count,
            cutoff=cutoff,
        )
        _allow_deletes(True)
        doomed._raw_delete(doomed.db)  # the queryset's delete() refuses on purpose
        _allow_deletes(False)
        record(
            "audit.pruned",
            organization=last.organization,
            data={"through_seq": last.seq, "pruned": count, "cutoff": cutoff.isoformat(), "head_hash": last.hash},
        )
    return PruneResult(chain, count, last.seq)


def prune(days: int, *, now: datetime | None = None) -> list[PruneResult]:
    if days <= 0:
        return []
    cutoff = (now or timezone.now()) - timedelta(days=days)
    chains = AuditEvent.objects.filter(created_at__lt=cutoff).values_list("chain", flat=True).distinct()
    results = [prune_chain(chain, cutoff) for chain in sorted(set(chains)) if chain]
    return [result for result in results if result is not None]
