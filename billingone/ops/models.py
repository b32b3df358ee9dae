"""The task worker's heartbeat: written by a scheduled task, read by /healthz."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class WorkerHeartbeat(models.Model):
    # One row (pk=1): the last time a worker ran the heartbeat task.
    beat_at = models.DateTimeField()
    worker_id = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"worker heartbeat at {self.beat_at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def beat(cls, worker_id: str = "") -> None:
        cls.objects.update_or_create(pk=1, defaults={"beat_at": timezone.now(), "worker_id": worker_id})

    @classmethod
    def age_seconds(cls) -> float | None:
        row = cls.objects.filter(pk=1).first()
        return None if row is None else (timezone.now() - row.beat_at).total_seconds()
