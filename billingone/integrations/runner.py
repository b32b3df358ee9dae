"""Running sync runs on the worker: claim, sync, record progress, retry, fail, reap.

- Claim: the queued run's row is locked (select_for_update(skip_locked) on PostgreSQL; SQLite
  serialises writers with IMMEDIATE transactions) and flipped to running, so two workers
  never run it twice.
- Lease: every progress write renews `heartbeat_at`, and so does a side thread every
  SYNC_RUN_LEASE_RENEW_SECONDS while the provider works; a running run whose heartbeat is older
  than SYNC_RUN_STALE_SECONDS (shorter than the scheduler's one-minute tick) is taken as dead
  (worker killed): the tick fails it, marks its task rows failed and queues it once more. The
  provider's upsert is idempotent, so the next run loses and duplicates nothing.
- Transient errors are retried with exponential backoff (honouring Retry-After) up to
  SYNC_MAX_ATTEMPTS; permanent ones mark the connection "needs attention" at once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db import connection as db_connection
from django.tasks import task
from django.utils import timezone

from billingone.audit.log import record
from billingone.billing.tasks import reconcile_after_sync
from billingone.integrations import registry
from billingone.integrations.base import ProviderContext, ProviderError, SyncCounts, SyncInterrupted
from billingone.integrations.ingest import Ingest, delta_since
from billingone.integrations.models import Connection, SyncRun
from billingone.integrations.signals import sync_run_failed
from billingone.lib.crypto import DecryptionError

logger = logging.getLogger(__name__)
WRITE_EVERY = 0.5  # seconds between progress writes: live enough, cheap enough


class RunProgress:
    """Progress persisted on the SyncRun row (throttled); each write renews the lease."""

    def __init__(self, run: SyncRun):
        self.run = run
        self.total = 0
        self.done = 0
        self.counts = SyncCounts()
        self.written = 0.0

    def set_total(self, total: int) -> None:
        self.total = total
        self.write(force=True)

    def advance(self, done: int = 1, counts: SyncCounts | None = None) -> None:
        self.done += done
        if counts is not None:
            self.counts = self.counts + counts
        self.write()

    def check(self) -> None:
        self.write()

    def write(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.written < WRITE_EVERY:
            return
        self.written = now
        changed = SyncRun.objects.filter(pk=self.run.pk, status=SyncRun.Status.RUNNING).update(
            progress_done=min(self.done, max(self.total, self.done)),
            progress_total=max(self.total, self.done),
            heartbeat_at=timezone.now(),
            **self.counts.as_dict(),
        )
        if not changed:
            raise SyncInterrupted("This run was stopped (disconnected, or taken as dead) while syncing.")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def claim(run_id: int) -> SyncRun | None:
    with transaction.atomic():
        rows = SyncRun.objects.filter(pk=run_id, status=SyncRun.Status.QUEUED)
        if db_connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        run = rows.select_related("connection", "organization").first()
        if run is None:
            return None
        now = timezone.now()
        run.status, run.started_at, run.heartbeat_at, run.worker = SyncRun.Status.RUNNING, now, now, worker_name()
        run.next_attempt_at = None
        run.save(update_fields=["status", "started_at", "heartbeat_at", "worker", "next_attempt_at"])
    return run


def execute_run(run_id: int) -> str:
    """Run one queued sync to its end (the task body). Returns the run's final status."""
    run = claim(run_id)
    if run is None:
        return "skipped"
    provider_cls = registry.PROVIDERS.get(run.provider)
    progress = RunProgress(run)
    try:
        if provider_cls is None:
            raise SyncInterrupted(f"The {run.provider} integration is no longer available.")
        connection = run.connection
        context = ProviderContext(
            organization=run.organization,
            credentials=_credentials(connection),
            config=connection.config,
            connection=connection,
            run_id=run.pk,
            save_credentials=lambda values: _save_credentials(connection.pk, values),
        )
        ingest = Ingest(provider_cls(context), run.pk, progress)
        with keep_lease(run.pk):
            counts = ingest.run(run.mode, delta_since(connection, run.mode))
    except ProviderError as error:
        return fail_or_retry(run, error, progress)
    except Exception as exc:  # a bug of ours: fail the run with a safe message, keep the traceback in logs
        logger.exception("Sync run crashed", extra={"run": run.pk, "provider": run.provider})
        error = ProviderError(f"BillingOne hit an internal error during this sync ({type(exc).__name__}).")
        return fail_or_retry(run, error, progress)
    return succeed(run, counts, progress, checkpoint=ingest.checkpoint, warnings=ingest.warnings)


def _credentials(connection: Connection) -> dict[str, str]:
    from billingone.integrations.base import ConfigurationInvalid

    try:
        credentials = connection.get_credentials()
    except DecryptionError as exc:
        raise ConfigurationInvalid("The stored credentials cannot be decrypted; save them again.") from exc
    if not credentials:
        raise ConfigurationInvalid("No credentials are stored; connect the integration again.")
    return credentials


def _save_credentials(connection_pk: int, values: dict[str, str]) -> None:
    with transaction.atomic():
        connection = Connection.objects.select_for_update().get(pk=connection_pk)
        connection.set_credentials(values)
        connection.save(update_fields=["credentials_token", "updated_at"])


def audit_summary(run: SyncRun, now, counts: SyncCounts | None) -> dict:
    """What the audit log keeps of a finished run: the Audit Logs section's sync history."""
    started = run.started_at or run.queued_at
    return {
        "provider": run.provider,
        "mode": run.mode,
        "run": run.pk,
        "attempt": run.attempt,
        "trigger": run.trigger,
        "started_by": run.actor.email if run.actor_id else "",
        "counts": counts.as_dict() if counts is not None else {},
        "duration_seconds": round((now - started).total_seconds(), 1) if started else None,
    }


def warning_summary(warnings) -> str:
    """The first item warnings of a run, for people (the count says how many in all)."""
    shown = "; ".join(f"{w.external_id}: {w.message.rstrip('.')}" for w in warnings[:3])
    return (shown + (f"; and {len(warnings) - 3} more" if len(warnings) > 3 else ""))[:500]


def succeed(run: SyncRun, counts: SyncCounts, progress: RunProgress, checkpoint=None, warnings=()) -> str:
    now = timezone.now()
    with transaction.atomic():
        updated = SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING).update(
            status=SyncRun.Status.SUCCEEDED,
            finished_at=now,
            heartbeat_at=now,
            progress_total=max(progress.total, progress.done),
            progress_done=max(progress.total, progress.done),
            error_code="",
            error_message="",
            checkpoint=checkpoint,
            warnings=len(warnings),
            warning_message=warning_summary(warnings),
            **counts.as_dict(),
        )
        if not updated:
            return "interrupted"
        Connection.objects.filter(pk=run.connection_id).exclude(status=Connection.Status.NOT_CONNECTED).update(
            status=Connection.Status.CONNECTED, status_reason="", updated_at=now
        )
        record(
            "integration.sync.succeed",
            organization=run.organization,
            actor=None,
            target=run,
            target_label=f"{run.provider} {run.mode} sync",
            data={**audit_summary(run, now, counts), **({"warnings": len(warnings)} if warnings else {})},
        )
        reconcile_after_sync(run)  # queued on commit: reconciliation runs in the background
    return SyncRun.Status.SUCCEEDED


def backoff_seconds(run: SyncRun, error: ProviderError) -> float:
    base = settings.SYNC_RETRY_BACKOFF_SECONDS * (2 ** (run.attempt - 1))
    return max(base, error.retry_after or 0.0)


def fail_or_retry(run: SyncRun, error: ProviderError, progress: RunProgress) -> str:
    if isinstance(error, SyncInterrupted) and not SyncRun.objects.filter(pk=run.pk, status="running").exists():
        return "interrupted"  # someone else already closed this run (disconnect, reaper)
    if not error.permanent and run.attempt < settings.SYNC_MAX_ATTEMPTS:
        return retry(run, error, progress)
    return fail(run, error.message, error.code, permanent=error.permanent, counts=progress.counts)


def retry(run: SyncRun, error: ProviderError, progress: RunProgress) -> str:
    wait = backoff_seconds(run, error)
    when = timezone.now() + timedelta(seconds=wait)
    with transaction.atomic():
        requeued = SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING).update(
            status=SyncRun.Status.QUEUED,
            attempt=run.attempt + 1,
            next_attempt_at=when,
            error_code=error.code,
            error_message=f"Attempt {run.attempt} failed: {error.message} Retrying."[:500],
        )
        if not requeued:
            return "interrupted"  # closed meanwhile (disconnect, reaper): nothing to retry
        record(
            "integration.sync.retry",
            organization=run.organization,
            target=run,
            target_label=f"{run.provider} {run.mode} sync",
            data={"provider": run.provider, "run": run.pk, "attempt": run.attempt, "code": error.code, "wait": wait},
        )
        run.refresh_from_db()
        enqueue_run(run, run_after=when)
    return "retrying"


def fail(run: SyncRun, message: str, code: str, *, permanent: bool, counts: SyncCounts | None = None) -> str:
    now = timezone.now()
    with transaction.atomic():
        # Only a run still in flight is failed here: a run that finished meanwhile keeps its outcome.
        closed = SyncRun.objects.filter(pk=run.pk, status__in=SyncRun.ACTIVE).update(
            status=SyncRun.Status.FAILED,
            finished_at=now,
            error_code=code[:40],
            error_message=message[:500],
            permanent=permanent,
            **(counts.as_dict() if counts is not None else {}),
        )
        if not closed:
            return "interrupted"
        status = Connection.Status.NEEDS_ATTENTION if permanent else Connection.Status.ERROR
        Connection.objects.filter(pk=run.connection_id).exclude(status=Connection.Status.NOT_CONNECTED).update(
            status=status, status_reason=message[:300], updated_at=now
        )
        record(
            "integration.sync.fail",
            organization=run.organization,
            target=run,
            target_label=f"{run.provider} {run.mode} sync",
            data={**audit_summary(run, now, counts), "code": code, "permanent": permanent, "error": message[:300]},
        )
    run.refresh_from_db()
    sync_run_failed.send(
        sender=SyncRun,
        run=run,
        organization=run.organization,
        provider=run.provider,
        permanent=permanent,
        message=message,
    )
    return SyncRun.Status.FAILED


# ---- the lease: a dead worker is noticed within a minute ------------------------------------


@contextmanager
def keep_lease(run_id: int, every: float | None = None) -> Iterator[None]:
    """Renew the run's heartbeat from a side thread while the provider works: a slow page, retries
    or a Retry-After pause must not look like a dead worker; a killed worker renews nothing."""
    every = every or settings.SYNC_RUN_LEASE_RENEW_SECONDS
    stop = threading.Event()

    def renew() -> None:
        try:
            while not stop.wait(every):
                try:
                    SyncRun.objects.filter(pk=run_id, status=SyncRun.Status.RUNNING).update(heartbeat_at=timezone.now())
                except DatabaseError:  # busy (SQLite's writer lock): try again at the next beat
                    logger.warning("could not renew a sync run's lease this time", extra={"run": run_id})
        finally:
            db_connection.close()  # this thread's own connection

    thread = threading.Thread(target=renew, name=f"sync-lease-{run_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every + 5)


@task
def run_sync(run_id: int) -> str:
    """Execute one queued sync run (retries re-enqueue this task with a later run_after)."""
    return execute_run(run_id)


def enqueue_run(run: SyncRun, run_after: datetime | None = None) -> None:
    target = run_sync.using(run_after=run_after) if run_after else run_sync
    target.enqueue(run.pk)
