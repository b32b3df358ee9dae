"""Audit test helpers: tampering with rows the way someone with database access could."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import connection

from billingone.audit import triggers
from billingone.audit.events import AUDIT_EVENTS

SYNC_ACTIONS = {
    "integration.sync.started": "A sync run started",
    "integration.sync.succeeded": "A sync run finished",
    "integration.sync.failed": "A sync run failed",
}


@contextmanager
def triggers_disabled():
    """Switch the append-only triggers off (an attacker with DB rights), then back on."""
    triggers.remove(connection)
    try:
        yield
    finally:
        triggers.install(connection)


def execute(sql: str, params=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def sync_actions(monkeypatch):
    """The engine (issue 5) registers integration.sync.*; these tests stand in for it."""
    for action, text in SYNC_ACTIONS.items():
        monkeypatch.setitem(AUDIT_EVENTS, action, text)
    return SYNC_ACTIONS
