"""Run the database task queue in-process, as the worker would."""

from __future__ import annotations

from unittest import mock

from django.core.management import call_command
from django_tasks_db.management.commands import db_worker


def run_pending_tasks() -> None:
    """Process every queued task with the real db_worker (batch mode), then return.

    The worker calls close_old_connections() between tasks, which would close the test's
    own connection inside its transaction; in tests the connection stays open instead.
    """
    with mock.patch.object(db_worker, "close_old_connections", lambda: None):
        call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
