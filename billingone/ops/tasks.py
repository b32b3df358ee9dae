"""Scheduled operational tasks (loaded by `manage.py crontask`)."""

from __future__ import annotations

import os
import socket

from crontask import cron
from django.tasks import task

from billingone.ops.models import WorkerHeartbeat


@cron("* * * * *")
@task
def worker_heartbeat() -> None:
    """Runs on the worker once a minute, so /healthz can tell the worker is alive."""
    WorkerHeartbeat.beat(f"{socket.gethostname()}:{os.getpid()}")
