"""Let transactional tests (browser, live server) flush the database on SQLite.

Django flushes SQLite with DELETE FROM, which the append-only audit triggers refuse, so a
transactional test that wrote audit events fails at teardown. Before the flush we empty
the audit table with the triggers lifted for that one statement, then put them back.
(PostgreSQL flushes with TRUNCATE, which row triggers do not see.)
"""

from __future__ import annotations

from django.db import connection


def purge_audit_events() -> None:
    if connection.vendor != "sqlite":
        return
    from importlib import import_module

    triggers = import_module("billingone.audit.migrations.0002_append_only_triggers")
    with connection.cursor() as cursor:
        for statement in triggers.SQLITE_DOWN:
            cursor.execute(statement)
        cursor.execute("DELETE FROM audit_auditevent")
        for statement in triggers.SQLITE_UP:
            cursor.execute(statement)
