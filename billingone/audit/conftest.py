"""Audit test helpers: tampering with rows the way someone with database access could."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import connection

from billingone.audit.events import AUDIT_EVENTS

SYNC_ACTIONS = {
    "integration.sync.started": "A sync run started",
    "integration.sync.succeeded": "A sync run finished",
    "integration.sync.failed": "A sync run failed",
}


@contextmanager
def triggers_disabled():
    """Switch the append-only triggers off (an attacker with DB rights), then back on."""
    from importlib import import_module

    migration = import_module("billingone.audit.migrations.0004_chain_backfill_and_triggers")
    editor = _RawEditor()
    migration._run(editor, migration.POSTGRES_OFF, migration.SQLITE_OFF)
    try:
        yield
    finally:
        migration._run(editor, migration.POSTGRES_UP, migration.SQLITE_UP)


class _RawEditor:
    """Enough of a schema editor for the migration's trigger SQL, inside the test transaction."""

    connection = connection

    def execute(self, sql: str) -> None:
        execute(sql, ())  # with params, like schema_editor.execute ("%%" → "%")


def execute(sql: str, params=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def sync_actions(monkeypatch):
    """The engine (issue 5) registers integration.sync.*; these tests stand in for it."""
    for action, text in SYNC_ACTIONS.items():
        monkeypatch.setitem(AUDIT_EVENTS, action, text)
    return SYNC_ACTIONS
