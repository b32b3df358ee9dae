"""The per-organization hash chain, verify_audit_log, retention pruning and the triggers."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction
from django.utils import timezone

from billingone.audit.chain import chain_key, verify_chain
from billingone.audit.conftest import execute, triggers_disabled
from billingone.audit.log import record
from billingone.audit.models import AuditChainHead, AuditCheckpoint, AuditEvent
from billingone.audit.prune import PruneRefused, prune


def fill(organization, count: int, actor=None) -> list[AuditEvent]:
    return [
        record("notifications.policy_update", organization=organization, actor=actor, data={"n": n})
        for n in range(count)
    ]


def verify(*args) -> tuple[bool, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit_log", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return False, err.getvalue() + str(exc)
    return True, out.getvalue()


def test_entries_are_chained_per_organization(personas):
    a = fill(personas.org_a, 3)
    b = fill(personas.org_b, 2)
    assert [e.seq for e in a] == [1, 2, 3] and [e.seq for e in b] == [1, 2]
    assert a[1].prev_hash == a[0].hash and a[2].prev_hash == a[1].hash
    assert b[0].prev_hash == "" and a[0].chain == chain_key(personas.org_a.pk)
    head = AuditChainHead.objects.get(chain=a[0].chain)
    assert (head.seq, head.hash) == (3, a[2].hash)
    ok, output = verify()
    assert ok, output
    assert "verified" in output


def test_an_altered_entry_is_reported(personas):
    events = fill(personas.org_a, 4)
    with triggers_disabled():
        execute("UPDATE audit_auditevent SET actor_label = %s WHERE id = %s", ["mallory@evil.test", events[1].pk])
    ok, output = verify()
    assert not ok
    assert f"org:{personas.org_a.pk}: entry #2 (id {events[1].pk}) was altered" in output
    assert verify("--organization", "org-b")[0]  # other chains are intact


def test_a_removed_entry_is_reported(personas):
    events = fill(personas.org_a, 4)
    with triggers_disabled():
        execute("DELETE FROM audit_auditevent WHERE id = %s", [events[2].pk])
    ok, output = verify("--organization", "org-a")
    assert not ok
    assert "entry #3 was removed: the chain jumps from #2 to #4" in output


def test_removing_the_newest_entry_is_reported(personas):
    events = fill(personas.org_a, 3)
    with triggers_disabled():
        execute("DELETE FROM audit_auditevent WHERE id = %s", [events[-1].pk])
    ok, output = verify()
    assert not ok and "entry #3 was removed" in output


def test_a_forged_entry_outside_the_chain_is_reported(personas):
    fill(personas.org_a, 1)
    execute(
        "INSERT INTO audit_auditevent (created_at, organization_id, actor_kind, actor_label, action, target_type, "
        "target_id, target_label, changes, data, user_agent, chain, prev_hash, hash) "
        "VALUES (%s, %s, 'system', '', 'org.create', '', '', '', '{}', '{}', '', '', '', '')",
        [timezone.now(), personas.org_a.pk],
    )
    ok, output = verify()
    assert not ok and "inserted outside the hash chain" in output


def test_verify_unknown_organization(db):
    with pytest.raises(CommandError, match="No organization"):
        call_command("verify_audit_log", "--organization", "nope")


def test_update_and_delete_stay_refused_by_the_database(personas):
    event = fill(personas.org_a, 1)[0]
    for sql in ("UPDATE audit_auditevent SET action = 'x' WHERE id = %s", "DELETE FROM audit_auditevent WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic():
            execute(sql, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, action="notifications.policy_update").exists()


def test_deleting_a_user_keeps_their_entries_verifiable(personas):
    from billingone.testing.personas import make_user

    temp = make_user("temp@org-a.test")
    event = fill(personas.org_a, 1, actor=temp)[0]
    temp.delete()
    kept = AuditEvent.objects.get(pk=event.pk)
    assert kept.actor_id is None and kept.actor_label == "temp@org-a.test"
    assert verify()[0]


def test_pruning_keeps_the_chain_verifiable(personas):
    with time_machine.travel(timezone.now() - timedelta(days=400), tick=False):
        old = fill(personas.org_a, 3)
    recent = fill(personas.org_a, 2)
    results = prune(365)
    assert [(r.pruned, r.through_seq) for r in results] == [(3, 3)]
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    checkpoint = AuditCheckpoint.objects.get()
    assert (checkpoint.through_seq, checkpoint.head_hash) == (3, old[-1].hash)
    pruned_event = AuditEvent.objects.get(action="audit.pruned")
    assert pruned_event.data["pruned"] == 3 and pruned_event.seq == 6
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in recent]).count() == 2
    ok, output = verify()
    assert ok, output
    # Deleting is still refused outside the prune.
    with pytest.raises(DatabaseError), transaction.atomic():
        execute("DELETE FROM audit_auditevent WHERE id = %s", [recent[0].pk])


def test_a_removal_after_pruning_is_still_caught(personas):
    with time_machine.travel(timezone.now() - timedelta(days=400), tick=False):
        fill(personas.org_a, 2)
    recent = fill(personas.org_a, 3)
    prune(365)
    with triggers_disabled():
        execute("DELETE FROM audit_auditevent WHERE id = %s", [recent[0].pk])
    ok, output = verify()
    assert not ok and "entry #3 was removed" in output


def test_pruning_refuses_a_broken_chain(personas):
    with time_machine.travel(timezone.now() - timedelta(days=400), tick=False):
        events = fill(personas.org_a, 2)
    with triggers_disabled():
        execute("UPDATE audit_auditevent SET data = %s WHERE id = %s", ['{"n": 99}', events[0].pk])
    with pytest.raises(PruneRefused):
        prune(365)
    assert AuditEvent.objects.filter(pk=events[0].pk).exists()


def test_prune_command_and_retention_off(personas, settings):
    out = StringIO()
    settings.AUDIT_RETENTION_DAYS = 0
    call_command("prune_audit_log", stdout=out)
    assert "Retention is off" in out.getvalue()
    with time_machine.travel(timezone.now() - timedelta(days=40), tick=False):
        fill(personas.org_a, 2)
    call_command("prune_audit_log", "--days", "30", stdout=out)
    assert "pruned 2 entries through #2" in out.getvalue()
    assert verify_chain(chain_key(personas.org_a.pk)) is None


def test_scheduled_prune_task_uses_the_setting(personas, settings):
    from billingone.audit.tasks import prune_audit_log

    settings.AUDIT_RETENTION_DAYS = 30
    with time_machine.travel(timezone.now() - timedelta(days=31), tick=False):
        fill(personas.org_a, 1)
    assert prune_audit_log.call() == 1
