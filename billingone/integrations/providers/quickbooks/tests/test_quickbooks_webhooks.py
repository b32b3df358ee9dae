"""Webhook signature (good, bad, missing, replayed), both payload formats, de-duplication, and a
real delivery from the simulator verified with the verifier token."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from billingone.integrations.providers.quickbooks import webhooks
from billingone.integrations.providers.quickbooks.simulator.webhooks import cloudevents, legacy, sign

TOKEN = "verifier-token-1"
EVENTS = [
    {
        "event_id": "e-1",
        "realm_id": "111",
        "entity": "Invoice",
        "entity_id": "5",
        "operation": "Update",
        "time": "2026-11-27T10:00:00-08:00",
    },
    {
        "event_id": "e-2",
        "realm_id": "111",
        "entity": "Customer",
        "entity_id": "2",
        "operation": "Create",
        "time": "2026-11-27T10:00:01-08:00",
    },
    {
        "event_id": "e-3",
        "realm_id": "222",
        "entity": "Invoice",
        "entity_id": "9",
        "operation": "Delete",
        "time": "2026-11-27T10:00:02-08:00",
    },
]


@pytest.fixture(autouse=True)
def fresh_cache(db):
    """The seen-events markers live in the shared cache (the database cache table here)."""
    from django.core.cache import cache

    cache.clear()


def signed(payload) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    return body, {"intuit-signature": sign(body, TOKEN), "Content-Type": "application/json"}


def test_a_good_signature_verifies_and_names_each_company_once():
    body, headers = signed(cloudevents(EVENTS))
    assert webhooks.verify(body, headers, TOKEN)
    assert webhooks.realms_to_sync(body, headers, TOKEN) == ("111", "222")


def test_the_header_name_is_case_insensitive():
    body, headers = signed(cloudevents(EVENTS))
    assert webhooks.verify(body, {"Intuit-Signature": headers["intuit-signature"]}, TOKEN)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda body, headers: (body + b" ", headers),  # the body changed after signing
        lambda body, headers: (body, {"intuit-signature": sign(body, "another-token")}),
        lambda body, headers: (body, {}),  # missing
        lambda body, headers: (body, {"intuit-signature": "not base64 !"}),
        lambda body, headers: (body, {"intuit-signature": ""}),
    ],
)
def test_bad_or_missing_signatures_are_refused_before_reading(tamper):
    body, headers = tamper(*signed(cloudevents(EVENTS)))
    assert not webhooks.verify(body, headers, TOKEN)
    assert webhooks.realms_to_sync(body, headers, TOKEN) is None


def test_no_verifier_token_configured_refuses_everything():
    body, headers = signed(cloudevents(EVENTS))
    assert not webhooks.verify(body, headers, "")


def test_a_replayed_delivery_starts_nothing():
    body, headers = signed(cloudevents(EVENTS))
    assert webhooks.realms_to_sync(body, headers, TOKEN) == ("111", "222")
    assert webhooks.realms_to_sync(body, headers, TOKEN) == ()  # same ids, same signature: a replay
    one_new = cloudevents([*EVENTS[:2], {**EVENTS[2], "event_id": "e-4"}])
    body, headers = signed(one_new)
    assert webhooks.realms_to_sync(body, headers, TOKEN) == ("111", "222")


def test_legacy_event_notifications():
    body, headers = signed(legacy(EVENTS))
    assert webhooks.parse(body).realm_ids == ("111", "222")
    assert webhooks.realms_to_sync(body, headers, TOKEN) == ("111", "222")
    assert webhooks.realms_to_sync(body, headers, TOKEN) == ()  # identical body: a replay


@pytest.mark.parametrize(
    "payload",
    [b"not json", b'{"hello": 1}', b'[{"type": "qbo.invoice.updated.v1"}]', b'{"eventNotifications": [{}]}'],
)
def test_signed_but_malformed_payloads_are_refused(payload):
    with pytest.raises(webhooks.PayloadInvalid):
        webhooks.realms_to_sync(payload, {"intuit-signature": sign(payload, TOKEN)}, TOKEN)


def test_events_of_other_products_are_ignored():
    events = cloudevents(EVENTS[:1])
    events.append({**events[0], "id": "x-1", "type": "payroll.employee.updated.v1", "intuitaccountid": "999"})
    body, headers = signed(events)
    assert webhooks.realms_to_sync(body, headers, TOKEN) == ("111",)


class Receiver(BaseHTTPRequestHandler):
    deliveries: list[tuple[bytes, dict[str, str]]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.deliveries.append((body, dict(self.headers.items())))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_delivery_from_the_simulator_verifies(qbo_sim):
    Receiver.deliveries = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        qbo_sim.webhooks.configure(f"http://127.0.0.1:{server.server_address[1]}/webhooks/quickbooks/", TOKEN)
        qbo_sim.change_invoice(2)
        qbo_sim.change_invoice(3)
        deadline = time.monotonic() + 5
        while not Receiver.deliveries and time.monotonic() < deadline:
            time.sleep(0.05)
        (body, headers), *_ = Receiver.deliveries
        assert webhooks.realms_to_sync(body, headers, TOKEN) == (qbo_sim.realm_ids[0],)
    finally:
        server.shutdown()
        server.server_close()


# ---- through the shared receiver at /webhooks/quickbooks/ --------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_change_in_quickbooks_becomes_one_delta_sync_replays_none(qbo_wired, live_server, settings, personas):
    from billingone.billing.models import Invoice
    from billingone.integrations.models import SyncRun
    from billingone.integrations.providers.quickbooks.testing import credentials_for
    from billingone.integrations.testing import connect
    from billingone.testing.tasks import run_pending_tasks

    settings.QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN = TOKEN
    url = f"{live_server.url}/webhooks/quickbooks/"
    credentials = credentials_for(qbo_wired)
    connect(personas.org_a, "quickbooks", credentials, {"account_id": credentials["account_id"]})
    other = credentials_for(qbo_wired, qbo_wired.realm_ids[1])  # org B chose the other company
    connect(personas.org_b, "quickbooks", other, {"account_id": other["account_id"]})

    qbo_wired.webhooks.configure(url, TOKEN)
    qbo_wired.change_invoice(3)
    qbo_wired.delete_invoice(4)
    qbo_wired.webhooks.wait()
    assert [d.status for d in qbo_wired.webhooks.deliveries] == [200]
    runs = list(SyncRun.objects.filter(trigger=SyncRun.Trigger.WEBHOOK))
    assert [(run.organization, run.mode) for run in runs] == [(personas.org_a, "delta")]  # one run, one company

    body = qbo_wired.webhooks.deliveries[0].body
    replay = httpx.post(url, content=body, headers={"intuit-signature": sign(body, TOKEN)})
    forged = httpx.post(url, content=body, headers={"intuit-signature": sign(body, "not-the-token")})
    assert (replay.status_code, forged.status_code, forged.content) == (200, 401, b"")
    run_pending_tasks()
    assert SyncRun.objects.filter(trigger=SyncRun.Trigger.WEBHOOK).count() == 1  # the replay started nothing
    assert SyncRun.objects.get(pk=runs[0].pk).status == SyncRun.Status.SUCCEEDED
    # never synced before, so the delta reads everything: the changed invoice, not the deleted one
    assert Invoice.objects.get(organization=personas.org_a, source="quickbooks", external_id="4").removed_at is None
    assert not Invoice.objects.filter(organization=personas.org_a, external_id="5").exists()
