"""/healthz: can we reach the database, and has a task worker run recently?"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from billingone.ops.models import WorkerHeartbeat


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


@require_GET
@never_cache
def healthz(request):
    checks: dict[str, dict] = {"database": {"ok": database_ok()}}
    age = WorkerHeartbeat.age_seconds() if checks["database"]["ok"] else None
    checks["worker"] = {
        "ok": age is not None and age <= settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS,
        "last_heartbeat_seconds_ago": None if age is None else round(age),
    }
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unhealthy", "checks": checks}, status=200 if healthy else 503)
