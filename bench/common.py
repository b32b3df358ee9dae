"""What the sync benchmarks share: a statement counter, a simulator subprocess started and
waited for, and one sync through the engine (fetch → store → sweep → match) as the worker runs it."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


class StatementCounter:
    """A connection.execute_wrapper that counts the statements run through it."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def start_simulator(command: list[str], ready_url: str, attempts: int = 100) -> subprocess.Popen:
    """Start a simulator (`python -m …`) and wait until `ready_url` answers."""
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)  # noqa: S603 - our own simulator
    for _ in range(attempts):
        try:
            httpx.get(ready_url, timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the simulator did not start")


@dataclass
class EngineSync:
    provider: object
    counts: object
    rows: int
    elapsed: float
    statements: int


def engine_sync(connection, provider_class, mode: str) -> EngineSync:
    """One sync of `connection` in `mode` through Ingest, recorded as a succeeded SyncRun with
    its checkpoint (so the next delta starts where this one ended)."""
    from django.db import connection as db
    from django.utils import timezone

    from billingone.integrations.base import NullProgress, ProviderContext
    from billingone.integrations.ingest import Ingest, delta_since
    from billingone.integrations.models import SyncRun

    sync_run = SyncRun.objects.create(
        organization=connection.organization,
        connection=connection,
        provider=connection.provider,
        mode=mode,
        trigger="person",
        status="running",
        started_at=timezone.now(),
    )
    context = ProviderContext(
        organization=connection.organization,
        credentials=connection.get_credentials(),
        connection=connection,
        run_id=sync_run.pk,
    )
    counter, progress = StatementCounter(), NullProgress()
    provider = provider_class(context)
    ingest = Ingest(provider, sync_run.pk, progress)
    started = time.monotonic()
    with db.execute_wrapper(counter):
        counts = ingest.run(mode, delta_since(connection, mode))
    elapsed = time.monotonic() - started
    SyncRun.objects.filter(pk=sync_run.pk).update(
        status="succeeded", finished_at=timezone.now(), checkpoint=ingest.checkpoint
    )
    return EngineSync(provider, counts, progress.done, elapsed, counter.count)
