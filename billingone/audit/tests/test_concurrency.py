"""Concurrent writers append to one organization's chain one at a time: PostgreSQL through the
chain head's row lock (threads on the test database), SQLite through its IMMEDIATE write
transactions (separate processes on a file database, as the web server and worker run)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from billingone.audit.chain import chain_key, verify_chain
from billingone.audit.log import record
from billingone.audit.models import AuditEvent

WRITERS, EACH = 4, 8
WRITE = (
    "from billingone.audit.log import record; from billingone.orgs.models import Organization; "
    "org = Organization.objects.get(slug='race'); "
    f"[record('notifications.policy_update', organization=org, data={{'i': i}}) for i in range({EACH})]"
)


def _threads(organization) -> list[Exception]:
    errors: list[Exception] = []

    def writer() -> None:
        from django.db import connections

        try:
            for i in range(EACH):
                record("notifications.policy_update", organization=organization, data={"i": i})
        except Exception as exc:  # collected and asserted by the caller
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _manage(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=check,
    )


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_form_one_unbroken_chain(personas, tmp_path: Path):
    if connection.vendor == "postgresql":
        assert _threads(personas.org_a) == []
        chain = chain_key(personas.org_a.pk)
        seqs = list(AuditEvent.objects.filter(chain=chain).order_by("seq").values_list("seq", flat=True))
        assert seqs == list(range(1, WRITERS * EACH + 1))
        assert verify_chain(chain) is None
        return
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(BILLINGONE_VAR_DIR=str(tmp_path), BILLINGONE_ENV="development", DEBUG="false")
    _manage(env, "migrate", "-v0")
    _manage(
        env,
        "shell",
        "-c",
        "from billingone.orgs.models import Organization; Organization.objects.create(name='Race', slug='race')",
    )
    writers = [
        subprocess.Popen([sys.executable, "manage.py", "shell", "-c", WRITE], env=env, cwd=settings.BASE_DIR)
        for _ in range(WRITERS)
    ]
    assert [writer.wait(timeout=120) for writer in writers] == [0] * WRITERS
    verified = _manage(env, "verify_audit_log", check=False)
    assert verified.returncode == 0, verified.stderr
    count = _manage(
        env,
        "shell",
        "-c",
        "from billingone.audit.models import AuditEvent as A; print(A.objects.filter(chain__startswith='org').count())",
    )
    assert count.stdout.strip().splitlines()[-1] == str(WRITERS * EACH)
