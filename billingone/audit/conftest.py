"""Audit test helpers: tampering with rows the way someone with database access could."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection

from billingone.audit import triggers


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
