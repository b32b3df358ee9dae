"""One run at a time per connection, under concurrent requests (real threads, real DB)."""

from __future__ import annotations

import random
import threading
import time

import pytest
from django.db import IntegrityError, OperationalError, connection

from billingone.integrations import flows
from billingone.integrations.models import Connection, SyncRun
from billingone.integrations.testing import connect_pax8, membership_of


@pytest.mark.django_db(transaction=True)
def test_concurrent_sync_requests_create_exactly_one_run(pax8_sim, personas):
    connect_pax8(personas.alice, personas.org_a)
    membership = membership_of(personas.member("engineer"), personas.org_a)
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def request() -> str:
        # The SQLite *test* database is in-memory with a shared cache, whose table locks fail at
        # once instead of waiting like the real (file, WAL, busy timeout) database: try again.
        for _ in range(200):
            try:
                return (
                    f"queued:{flows.request_sync(personas.org_a, 'pax8', trigger='person', membership=membership).pk}"
                )
            except flows.SyncInProgress as busy:
                return f"busy:{busy.run.pk}"
            except OperationalError as error:
                if "locked" not in str(error):
                    raise
                time.sleep(random.uniform(0.001, 0.02))
        raise AssertionError("the database stayed locked")

    def ask() -> None:
        try:
            barrier.wait()
            outcomes.append(request())
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queued = [o for o in outcomes if o.startswith("queued")]
    assert len(outcomes) == 8 and len(queued) == 1
    run_id = queued[0].split(":")[1]
    assert all(o.split(":")[1] == run_id for o in outcomes)
    assert SyncRun.objects.filter(status__in=SyncRun.ACTIVE).count() == 1


def test_the_database_itself_refuses_a_second_active_run(pax8_sim, personas):
    connect_pax8(personas.alice, personas.org_a)
    connection = Connection.objects.get(organization=personas.org_a)
    SyncRun.objects.create(organization=personas.org_a, connection=connection, provider="pax8", trigger="person")
    with pytest.raises(IntegrityError):
        SyncRun.objects.create(organization=personas.org_a, connection=connection, provider="pax8", trigger="person")
