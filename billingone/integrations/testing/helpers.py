"""Helpers every provider test reuses: free ports, fast HTTP retries, a connection stored
without the web flow, one sync run through the engine, the rows it stored, and the real task
worker in a thread."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fast_http(settings) -> None:
    """No real waiting between in-request retries in tests (the limiter's waits stay real)."""
    settings.INTEGRATION_HTTP_BACKOFF_SECONDS = 0.001
    settings.INTEGRATION_HTTP_TIMEOUT_SECONDS = 5.0


def membership_of(user, organization):
    from billingone.orgs.models import Membership

    return Membership.objects.select_related("organization", "user").get(user=user, organization=organization)


def connect(organization, provider_key: str, credentials: dict[str, str], config: dict | None = None):
    """A connected Connection holding `credentials`, as a finished connect flow leaves it
    (the suites test syncing, not the connect pages)."""
    from django.utils import timezone

    from billingone.integrations.models import Connection

    connection, _ = Connection.objects.get_or_create(organization=organization, provider=provider_key)
    connection.set_credentials(dict(credentials))
    connection.status = Connection.Status.CONNECTED
    connection.config = {**(connection.config or {}), **(config or {})}
    connection.connected_at = timezone.now()
    connection.save()
    return connection


def synced_rows(organization, source: str) -> int:
    """What a provider's syncs hold for the organization in the neutral store (not marked removed)."""
    from billingone.billing.models import Customer, Invoice, Item, PaymentLink, Product, Subscription

    models = (Customer, Product, Item, Subscription, Invoice, PaymentLink)
    live = {"organization": organization, "source": source, "removed_at__isnull": True}
    return sum(model.objects.filter(**live).count() for model in models)


def run_sync(organization, provider_key: str, mode: str | None = None):
    """Queue one sync through the engine's front door and let the real task worker run it
    (retries included); returns the finished SyncRun."""
    from billingone.integrations.flows import request_sync
    from billingone.integrations.models import SyncRun
    from billingone.testing.tasks import run_pending_tasks

    run = request_sync(organization, provider_key, mode=mode, trigger=SyncRun.Trigger.SCHEDULE)
    run_pending_tasks()
    run.refresh_from_db()
    return run


@contextmanager
def worker_thread(interval: float = 0.2) -> Iterator:
    """The real django-tasks-db worker loop, in a thread beside the live server (browser tests).
    (`manage.py db_worker` installs signal handlers, which only the main thread may do.)"""
    import threading

    from django.db import connection
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["default"],
        interval=interval,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )

    def run() -> None:
        from django.db import OperationalError

        try:
            while worker.running:
                try:
                    worker.run()
                except OperationalError as error:
                    # The in-memory SQLite *test* database fails table locks at once ("table is
                    # locked") where the real one waits; the real worker would just poll again.
                    if "locked" not in str(error):
                        raise
                    connection.close()
        finally:
            connection.close()

    thread = threading.Thread(target=run, name="task-worker", daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        worker.running = False
        thread.join(timeout=15)
