"""Database triggers that make audit_auditevent append-only.

Version 1 (migration 0002) refused every UPDATE and DELETE. Version 2 (migration 0004, the
current one) still refuses them, with two narrow exceptions:
- DELETE inside the retention prune (audit/prune.py), which switches deletes on for its own
  transaction only: PostgreSQL reads a transaction-local setting, SQLite looks for a row in
  audit_auditprunepermit that only the prune inserts (and removes before committing);
- setting actor_id to NULL when a user is deleted (the email in actor_label is kept, and the
  hash chain does not cover actor_id).

The test suite lifts them only to empty the database between transactional tests (Django's
flush deletes every row); nothing else may.
"""

from __future__ import annotations

POSTGRES_V1 = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_auditevent is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""
POSTGRES_V2 = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('billingone.audit_prune', true) = 'on' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
       AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_auditevent is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""
POSTGRES_TRIGGERS = """
DROP TRIGGER IF EXISTS audit_event_no_update ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_event_no_delete ON audit_auditevent;
CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
"""
POSTGRES_REMOVE = """
DROP TRIGGER IF EXISTS audit_event_no_update ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_event_no_delete ON audit_auditevent;
"""
SQLITE_V1 = [
    "CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only (UPDATE refused)'); END;",
    "CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only (DELETE refused)'); END;",
]
# Every column but actor_id: changing any of them is refused outright.
SQLITE_COLUMNS = (
    "id, created_at, organization_id, actor_kind, actor_label, action, target_type, target_id, "
    "target_label, changes, data, ip, user_agent, chain, seq, prev_hash, hash"
)
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_event_no_update;",
    "DROP TRIGGER IF EXISTS audit_event_no_actor_change;",
    "DROP TRIGGER IF EXISTS audit_event_no_delete;",
]
SQLITE_V2 = [
    *SQLITE_REMOVE,
    f"CREATE TRIGGER audit_event_no_update BEFORE UPDATE OF {SQLITE_COLUMNS} ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only (UPDATE refused)'); END;",
    "CREATE TRIGGER audit_event_no_actor_change BEFORE UPDATE OF actor_id ON audit_auditevent "
    "WHEN NEW.actor_id IS NOT NULL "
    "BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only (UPDATE refused)'); END;",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent "
    "WHEN NOT EXISTS (SELECT 1 FROM audit_auditprunepermit) "
    "BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only (DELETE refused)'); END;",
]
CURRENT = 2


def _statements(vendor: str, version: int | None) -> list[str]:
    if vendor == "postgresql":
        if version is None:
            return [POSTGRES_REMOVE]
        return [(POSTGRES_V1 if version == 1 else POSTGRES_V2) + POSTGRES_TRIGGERS]
    if vendor == "sqlite":
        if version is None:
            return SQLITE_REMOVE
        return SQLITE_V1 if version == 1 else SQLITE_V2
    return []


def install(connection, version: int = CURRENT) -> None:
    # Plain cursor.execute without parameters: "%" in the PL/pgSQL stays as written.
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor, version):
            cursor.execute(statement)


def remove(connection) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor, None):
            cursor.execute(statement)
