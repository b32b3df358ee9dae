"""Xero webhooks, from the simulator to /webhooks/xero/ over a real socket: intent to receive,
good / bad / missing signatures, events → one delta sync per connection (de-duplicated)."""

from __future__ import annotations

import httpx
import pytest
from django_tasks_db.models import DBTaskResult

from billingone.billing.models import Invoice
from billingone.integrations import runner
from billingone.integrations.models import Connection, SyncRun
from billingone.integrations.providers.xero.simulator.webhooks import sign
from billingone.integrations.providers.xero.testing import connect_xero
from billingone.testing.tasks import run_pending_tasks

pytestmark = pytest.mark.django_db(transaction=True)
KEY = "xero-webhook-key-for-tests-0123456789abcdef"


@pytest.fixture
def receiver(xero_sim, live_server, settings):
    """The simulator delivers signed webhooks to our receiver on the live server."""
    settings.XERO_WEBHOOK_KEY = KEY
    url = f"{live_server.url}/webhooks/xero/"
    xero_sim.webhooks.configure(url, KEY)
    return url


def webhook_runs(organization=None) -> list[SyncRun]:
    runs = SyncRun.objects.filter(trigger=SyncRun.Trigger.WEBHOOK)
    return list(runs.filter(organization=organization) if organization else runs)


def test_intent_to_receive_answers_200_signed_and_401_unsigned_with_empty_bodies(xero_sim, receiver):
    assert xero_sim.webhooks.intent_to_receive()
    assert [d["status"] for d in xero_sim.webhooks.deliveries] == [200, 401]
    body = xero_sim.webhooks.body([])
    good = httpx.post(receiver, content=body, headers={"x-xero-signature": sign(body, KEY)})
    bad = httpx.post(receiver, content=body, headers={"x-xero-signature": sign(body, "another-key")})
    assert (good.status_code, good.content, bad.status_code, bad.content) == (200, b"", 401, b"")
    # Set up over the simulator's control API, as `make run` can: it runs the same check.
    answer = httpx.post(f"{xero_sim.url}/_sim/webhooks", json={"url": receiver, "key": KEY})
    assert answer.json() == {"intent_to_receive": True}
    wrong_key = httpx.post(f"{xero_sim.url}/_sim/webhooks", json={"url": receiver, "key": "not-our-key"})
    assert wrong_key.json() == {"intent_to_receive": False}


def test_a_change_in_xero_becomes_one_delta_sync(xero_sim, receiver, personas):
    connect_xero(personas.alice, personas.org_a, xero_sim)
    connect_xero(personas.charlie, personas.org_b, xero_sim)  # another organization, same Xero organisation
    connect_xero(personas.alice, personas.org_a.__class__.objects.create(name="Other", slug="other-org"), xero_sim, 1)
    new = xero_sim.add_invoice()
    assert xero_sim.webhooks.flush()
    assert xero_sim.webhooks.deliveries == [{"events": 1, "status": 200}]
    runs = webhook_runs()
    assert sorted(run.organization.slug for run in runs) == ["org-a", "org-b"]  # not the other tenant's
    assert {run.mode for run in runs} == {"delta"}
    run_pending_tasks()
    assert Invoice.objects.filter(source="xero", organization=personas.org_a, external_id=new["InvoiceID"]).exists()
    assert all(SyncRun.objects.get(pk=run.pk).status == SyncRun.Status.SUCCEEDED for run in runs)


def test_many_events_queue_one_run(xero_sim, receiver, personas):
    connect_xero(personas.alice, personas.org_a, xero_sim)
    for _ in range(3):
        xero_sim.add_invoice()
    assert xero_sim.webhooks.flush()
    for _ in range(3):  # separate deliveries too
        xero_sim.change_invoice(0)
        assert xero_sim.webhooks.flush()
    assert sum(d["events"] for d in xero_sim.webhooks.deliveries) == 6
    assert len(xero_sim.webhooks.deliveries) >= 4
    assert len(webhook_runs(personas.org_a)) == 1
    assert not follow_up_tasks().exists()  # the queued run has not read anything yet: it covers them all


def follow_up_tasks():
    return DBTaskResult.objects.filter(task_path__endswith="webhooks.follow_up", status="READY")


def test_events_during_a_running_sync_get_one_follow_up(xero_sim, receiver, personas, settings):
    settings.WEBHOOK_FOLLOW_UP_SECONDS = 0
    connect_xero(personas.alice, personas.org_a, xero_sim)
    xero_sim.add_invoice()
    assert xero_sim.webhooks.flush()
    (first,) = webhook_runs(personas.org_a)
    assert runner.claim(first.pk) is not None  # a worker has it: it may already have read past new changes
    late = [xero_sim.add_invoice() for _ in range(2)]
    assert xero_sim.webhooks.flush()
    xero_sim.change_invoice(1)
    assert xero_sim.webhooks.flush()
    assert follow_up_tasks().count() == 1  # however many events arrived meanwhile
    assert len(webhook_runs(personas.org_a)) == 1
    SyncRun.objects.filter(pk=first.pk).update(status=SyncRun.Status.SUCCEEDED)  # that run ends
    Connection.objects.filter(pk=first.connection_id).update(status=Connection.Status.CONNECTED)
    run_pending_tasks()
    second = [run for run in webhook_runs(personas.org_a) if run.pk != first.pk]
    assert len(second) == 1 and second[0].status == SyncRun.Status.SUCCEEDED
    for invoice in late:
        assert Invoice.objects.filter(
            source="xero", organization=personas.org_a, external_id=invoice["InvoiceID"]
        ).exists()


@pytest.mark.parametrize(
    "headers",
    [{"x-xero-signature": sign(b"something else", KEY)}, {"x-xero-signature": "not base64!"}, {}],
    ids=["wrong", "garbled", "missing"],
)
def test_unsigned_or_badly_signed_deliveries_are_refused(xero_sim, receiver, personas, headers):
    connect_xero(personas.alice, personas.org_a, xero_sim)
    event = xero_sim.webhooks.event(xero_sim.tenant_ids[0], "INVOICE", "f00", "UPDATE")
    response = httpx.post(receiver, content=xero_sim.webhooks.body([event]), headers=headers)
    assert response.status_code == 401 and response.content == b""
    assert webhook_runs() == []


def test_a_delivery_signed_with_another_key_is_refused(xero_sim, receiver, personas):
    connect_xero(personas.alice, personas.org_a, xero_sim)
    event = xero_sim.webhooks.event(xero_sim.tenant_ids[0], "INVOICE", "f00", "UPDATE")
    assert xero_sim.webhooks.deliver([event], key="someone-elses-key") == 401
    assert xero_sim.webhooks.deliver([event]) == 200
    assert len(webhook_runs()) == 1


def test_signed_but_malformed_is_a_400_and_unknown_tenants_are_ignored(xero_sim, receiver, personas):
    connect_xero(personas.alice, personas.org_a, xero_sim)
    garbled = b'{"events": [{"tenantId": '
    assert httpx.post(receiver, content=garbled, headers={"x-xero-signature": sign(garbled, KEY)}).status_code == 400
    stranger = xero_sim.webhooks.event("00000000-0000-0000-0000-000000000000", "INVOICE", "f00", "UPDATE")
    assert xero_sim.webhooks.deliver([stranger]) == 200
    assert webhook_runs() == []


def test_without_a_webhook_key_there_is_no_receiver(xero_sim, live_server, settings):
    settings.XERO_WEBHOOK_KEY = ""
    body = b'{"events": []}'
    signed = {"x-xero-signature": sign(body, "")}
    response = httpx.post(f"{live_server.url}/webhooks/xero/", content=body, headers=signed)
    assert response.status_code == 404
    assert httpx.post(f"{live_server.url}/webhooks/nope/", content=body).status_code == 404
    assert httpx.get(f"{live_server.url}/webhooks/xero/").status_code == 405
