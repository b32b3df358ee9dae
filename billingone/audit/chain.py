"""The per-organization hash chain of the audit trail.

Each entry stores `prev_hash` and `hash = sha256(prev_hash + canonical JSON of the entry)`,
with a per-chain sequence number. Changing a stored entry breaks its hash; removing one
leaves a gap in the sequence (or a head that points past the last entry). `verify()` walks a
chain and reports the first problem. The actor's user id is left out of the hash on purpose:
deleting a user sets it to NULL, and the email (actor_label) is what the hash protects.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from django.utils import timezone

GLOBAL_CHAIN = "global"


def chain_key(organization_id: int | None) -> str:
    return f"org:{organization_id}" if organization_id else GLOBAL_CHAIN


def canonical(event) -> bytes:
    created = event.created_at.astimezone(UTC).isoformat(timespec="microseconds")
    body = {
        "chain": event.chain,
        "seq": event.seq,
        "prev": event.prev_hash,
        "at": created,
        "org": event.organization_id,
        "actor_kind": event.actor_kind,
        "actor_label": event.actor_label,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_label": event.target_label,
        "changes": event.changes,
        "data": event.data,
        "ip": event.ip or None,
        "user_agent": event.user_agent,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def compute_hash(event) -> str:
    return hashlib.sha256(event.prev_hash.encode() + b"\n" + canonical(event)).hexdigest()


def append(event) -> None:
    """Chain and insert `event`. The caller holds a transaction; the head row lock (SQLite:
    the IMMEDIATE transaction's write lock) makes concurrent appends wait their turn."""
    from billingone.audit.models import AuditChainHead, AuditEvent

    event.chain = chain_key(event.organization_id)
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(chain=event.chain)
    event.created_at = timezone.now()
    # Store exactly what the hash covers (e.g. IPv6 in its normalised form).
    event.ip = AuditEvent._meta.get_field("ip").get_prep_value(event.ip) or None
    event.seq = head.seq + 1
    event.prev_hash = head.hash
    event.hash = compute_hash(event)
    event.save()
    AuditChainHead.objects.filter(pk=head.pk).update(seq=event.seq, hash=event.hash)


@dataclass
class Problem:
    chain: str
    seq: int
    kind: str  # "altered" or "removed"
    detail: str
    event_id: int | None = None

    def __str__(self) -> str:
        where = f"entry #{self.seq}" + (f" (id {self.event_id})" if self.event_id else "")
        return f"{self.chain}: {where} was {self.kind}: {self.detail}"


def verify_chain(chain: str) -> Problem | None:
    """The first altered or removed entry of `chain`, or None when it is intact."""
    from billingone.audit.models import AuditChainHead, AuditCheckpoint, AuditEvent

    checkpoint = AuditCheckpoint.objects.filter(chain=chain).order_by("-through_seq").first()
    expected, previous = (checkpoint.through_seq + 1, checkpoint.head_hash) if checkpoint else (1, "")
    entries = AuditEvent.objects.filter(chain=chain, seq__gte=expected).order_by("seq")
    for event in entries.iterator(chunk_size=2000):
        if event.seq != expected:
            return Problem(chain, expected, "removed", f"the chain jumps from #{expected - 1} to #{event.seq}")
        if event.prev_hash != previous:
            return Problem(chain, event.seq, "altered", "its link to the previous entry is wrong", event.pk)
        if compute_hash(event) != event.hash:
            return Problem(chain, event.seq, "altered", f"{event.action} no longer matches its hash", event.pk)
        previous, expected = event.hash, expected + 1
    head = AuditChainHead.objects.filter(chain=chain).first()
    if head is not None and head.seq >= expected:
        return Problem(chain, expected, "removed", f"the chain ends at #{expected - 1} but reached #{head.seq}")
    if head is not None and head.seq < expected - 1:
        return Problem(chain, head.seq + 1, "altered", "entries were added after the chain head, outside record()")
    if head is not None and head.seq == expected - 1 and head.hash != previous:
        return Problem(chain, head.seq, "altered", "the last entry does not match the chain head")
    return None


def all_chains() -> list[str]:
    from billingone.audit.models import AuditChainHead, AuditEvent

    heads = set(AuditChainHead.objects.values_list("chain", flat=True))
    return sorted(heads | set(AuditEvent.objects.exclude(chain="").values_list("chain", flat=True).distinct()))


def unchained_entries():
    """Entries without a chain: only possible if someone inserted rows past record()."""
    from billingone.audit.models import AuditEvent

    return AuditEvent.objects.filter(chain="")
