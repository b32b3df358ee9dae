"""Chain the entries written before hash chaining, then install version 2 of the append-only
triggers (audit/triggers.py): UPDATE stays refused (except the actor becoming NULL when a user
is deleted), DELETE is refused except inside the retention prune (audit/prune.py)."""

from django.db import migrations

from billingone.audit import triggers
from billingone.audit.chain import chain_key, compute_hash


def backfill(apps, schema_editor):
    """Chain existing entries in id order, with the triggers off for this migration only."""
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    if not AuditEvent.objects.filter(chain="").exists():
        return
    triggers.remove(schema_editor.connection)
    heads: dict[str, tuple[int, str]] = {}
    for event in AuditEvent.objects.filter(chain="").order_by("id").iterator():
        event.chain = chain_key(event.organization_id)
        seq, previous = heads.get(event.chain, (0, ""))
        event.seq, event.prev_hash = seq + 1, previous
        event.hash = compute_hash(event)
        AuditEvent.objects.filter(pk=event.pk).update(
            chain=event.chain, seq=event.seq, prev_hash=event.prev_hash, hash=event.hash
        )
        heads[event.chain] = (event.seq, event.hash)
    for chain, (seq, digest) in heads.items():
        AuditChainHead.objects.update_or_create(chain=chain, defaults={"seq": seq, "hash": digest})


def install(apps, schema_editor):
    triggers.install(schema_editor.connection, version=2)


def uninstall(apps, schema_editor):
    triggers.install(schema_editor.connection, version=1)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_hash_chain")]
    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(install, uninstall),
    ]
