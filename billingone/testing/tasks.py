"""Run the database task queue in-process, as the worker would."""

from __future__ import annotations

from django.core.management import call_command


def run_pending_tasks() -> None:
    """Process every queued task, then return (db_worker --batch)."""
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
