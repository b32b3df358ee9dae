"""Chain the entries written before hash chaining, then replace the append-only triggers:
UPDATE stays refused (except the actor becoming NULL when a user is deleted), DELETE is
refused except inside the retention prune (audit/prune.py)."""

from django.db import migrations

from billingone.audit.chain import chain_key, compute_hash

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('billingone.audit_prune', true) = 'on' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
       AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_auditevent is append-only (%% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_event_no_update ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_event_no_delete ON audit_auditevent;
CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
"""
POSTGRES_OFF = """
DROP TRIGGER IF EXISTS audit_event_no_update ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_event_no_delete ON audit_auditevent;
"""
# Every column but actor_id: changing any of them is refused outright.
SQLITE_COLUMNS = (
    "id, created_at, organization_id, actor_kind, actor_label, action, target_type, target_id, "
    "target_label, changes, data, ip, user_agent, chain, seq, prev_hash, hash"
)
SQLITE_UP = [
    "DROP TRIGGER IF EXISTS audit_event_no_update;",
    "DROP TRIGGER IF EXISTS audit_event_no_actor_change;",
    "DROP TRIGGER IF EXISTS audit_event_no_delete;",
    f"CREATE TRIGGER audit_event_no_update BEFORE UPDATE OF {SQLITE_COLUMNS} ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only (UPDATE refused)'); END;",
    "CREATE TRIGGER audit_event_no_actor_change BEFORE UPDATE OF actor_id ON audit_auditevent "
    "WHEN NEW.actor_id IS NOT NULL "
    "BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only (UPDATE refused)'); END;",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent "
    "WHEN NOT EXISTS (SELECT 1 FROM audit_auditprunepermit) "
    "BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only (DELETE refused)'); END;",
]
SQLITE_OFF = [
    "DROP TRIGGER IF EXISTS audit_event_no_update;",
    "DROP TRIGGER IF EXISTS audit_event_no_actor_change;",
    "DROP TRIGGER IF EXISTS audit_event_no_delete;",
]


def _run(schema_editor, postgres: str, sqlite: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(postgres)
    elif vendor == "sqlite":
        for statement in sqlite:
            schema_editor.execute(statement)


def backfill(apps, schema_editor):
    """Chain existing entries in id order, with the triggers off for this migration only."""
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    if not AuditEvent.objects.filter(chain="").exists():
        return
    _run(schema_editor, POSTGRES_OFF, SQLITE_OFF)
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
    _run(schema_editor, POSTGRES_UP, SQLITE_UP)


def uninstall(apps, schema_editor):
    _run(schema_editor, POSTGRES_OFF, SQLITE_OFF)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_hash_chain")]
    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(install, uninstall),
    ]
