from __future__ import annotations

import pytest

from billingone.ops.models import WorkerHeartbeat
from billingone.ops.tasks import worker_heartbeat
from billingone.testing.tasks import run_pending_tasks

pytestmark = pytest.mark.django_db


def test_unhealthy_until_a_worker_has_run(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": {"ok": True},
        "worker": {"ok": False, "last_heartbeat_seconds_ago": None},
    }


def test_healthy_after_the_worker_runs_the_heartbeat_task(client):
    worker_heartbeat.enqueue()
    run_pending_tasks()  # the real db_worker, in batch mode
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "ok"


def test_a_stale_heartbeat_is_unhealthy(client, time_machine):
    time_machine.move_to("2026-11-02 09:00:00+00:00", tick=False)
    WorkerHeartbeat.beat("w1")
    time_machine.shift(600)
    body = client.get("/healthz").json()
    assert body["status"] == "unhealthy" and body["checks"]["worker"]["last_heartbeat_seconds_ago"] >= 600
