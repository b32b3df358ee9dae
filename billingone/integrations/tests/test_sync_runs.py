"""Sync runs on the worker: queueing, one at a time, counts, audit, status."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from billingone.audit.models import AuditEvent
from billingone.billing.models import Subscription
from billingone.integrations import flows
from billingone.integrations.models import Connection, SyncRun
from billingone.integrations.testing import connect_pax8, membership_of
from billingone.testing.tasks import run_pending_tasks


def ask(personas, role="engineer", organization=None):
    organization = organization or personas.org_a
    user = personas.member(role) if organization == personas.org_a else personas.charlie
    return flows.request_sync(
        organization, "pax8", trigger=SyncRun.Trigger.PERSON, membership=membership_of(user, organization)
    )


def test_a_sync_runs_on_the_worker_and_records_counts_and_audit(pax8_sim, personas):
    connect_pax8(personas.alice, personas.org_a)
    run = ask(personas)
    assert run.status == SyncRun.Status.QUEUED
    assert Connection.objects.get(organization=personas.org_a).status == Connection.Status.SYNCING
    run_pending_tasks()
    run.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED, run.error_message
    subscriptions = Subscription.objects.filter(source="pax8", organization=personas.org_a).count()
    assert subscriptions == 120
    assert run.created == 120 + 12 + 30  # subscriptions + companies + products
    assert run.percent == 100 and run.progress_done == run.progress_total
    assert Connection.objects.get(organization=personas.org_a).status == Connection.Status.CONNECTED
    actions = set(AuditEvent.objects.filter(organization=personas.org_a).values_list("action", flat=True))
    assert {"integration.connect", "integration.sync.request", "integration.sync.succeed"} <= actions


def test_a_second_request_while_one_is_queued_gets_the_running_run(pax8_sim, personas):
    connect_pax8(personas.alice, personas.org_a)
    first = ask(personas)
    with pytest.raises(flows.SyncInProgress) as busy:
        ask(personas, "finance")
    assert busy.value.run.pk == first.pk


def test_sync_of_an_unconnected_integration_is_refused(personas):
    with pytest.raises(flows.NotConnected):
        ask(personas)


def test_a_viewer_cannot_sync(pax8_sim, personas):
    connect_pax8(personas.alice, personas.org_a)
    with pytest.raises(PermissionDenied):
        ask(personas, "viewer")


def test_an_unknown_mode_is_refused(pax8_sim, personas):
    connect_pax8(personas.alice, personas.org_a)
    with pytest.raises(flows.InvalidMode):
        flows.request_sync(
            personas.org_a,
            "pax8",
            mode="invoices",
            trigger=SyncRun.Trigger.PERSON,
            membership=membership_of(personas.alice, personas.org_a),
        )


def test_a_finished_run_shows_in_the_audit_sync_history(pax8_sim, personas, client_for):
    connect_pax8(personas.alice, personas.org_a)
    ask(personas)
    run_pending_tasks()
    page = client_for(personas.member("finance")).get("/org-a/settings/audit/").content.decode()
    assert "Sync history" in page
    assert "Succeeded" in page and "162 created" in page
    assert "ethan@org-a.test" in page  # who started it
    assert " s</td>" in page  # its duration
