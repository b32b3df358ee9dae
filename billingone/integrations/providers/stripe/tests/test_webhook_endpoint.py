"""POST /webhooks/stripe/<organization id>/: the signature is checked with the organization's own
endpoint secret before anything is read; handled events update the one link without a sync;
events are applied once by id."""

from __future__ import annotations

import json
import time

import pytest
from django.utils import timezone

from billingone.integrations.models import Connection
from billingone.integrations.providers.stripe.simulator.keys import DEMO_RESTRICTED_KEY
from billingone.integrations.providers.stripe.simulator.webhooks import signature_header

SECRET = "whsec_orgA0123456789abcdef"


@pytest.fixture
def connected(stripe_sim, personas):
    connection = Connection.objects.create(organization=personas.org_a, provider="stripe")
    connection.set_credentials({"api_key": DEMO_RESTRICTED_KEY, "webhook_secret": SECRET})
    connection.status, connection.connected_at = Connection.Status.CONNECTED, timezone.now()
    connection.save()
    return connection


def url_for(organization) -> str:
    return f"/webhooks/stripe/{organization.public_id}/"


def deliver(client, organization, event: dict, secret: str = SECRET, at: float | None = None):
    body = json.dumps(event).encode()
    signature = signature_header(body, [secret], int(time.time() if at is None else at))
    return client.post(url_for(organization), body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)


def event_of(kind: str = "charge.succeeded", event_id: str = "evt_1Other") -> dict:
    return {"id": event_id, "object": "event", "type": kind, "livemode": False, "created": 1, "data": {"object": {}}}


def test_unknown_organization_or_no_secret_is_404(connected, personas, client):
    assert deliver(client, personas.org_b, event_of()).status_code == 404
    connected.set_credentials({"api_key": DEMO_RESTRICTED_KEY, "webhook_secret": ""})
    connected.save()
    assert deliver(client, personas.org_a, event_of()).status_code == 404


@pytest.mark.parametrize(
    "options", [{"secret": "whsec_someoneelse"}, {"at": time.time() - 3600}], ids=["wrong secret", "stale"]
)
def test_bad_or_stale_signature_is_400_and_reads_nothing(connected, personas, client, options):
    assert deliver(client, personas.org_a, event_of(), **options).status_code == 400
    connected.refresh_from_db()
    assert "stripe_seen_events" not in connected.config


def test_get_is_refused_and_a_garbled_body_is_400(connected, personas, client):
    assert client.get(url_for(personas.org_a)).status_code == 405
    body = b"not json"
    signature = signature_header(body, [SECRET], int(time.time()))
    answer = client.post(
        url_for(personas.org_a), body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )
    assert answer.status_code == 400


def test_other_events_are_acknowledged_once(connected, personas, client):
    first = deliver(client, personas.org_a, event_of())
    assert first.status_code == 200 and first.json() == {"received": "evt_1Other", "outcome": "ignored"}
    assert deliver(client, personas.org_a, event_of()).json()["outcome"] == "duplicate"


def synced(personas, connection) -> None:
    from billingone.integrations.testing import run_sync

    assert run_sync(personas.org_a, "stripe", "full").status == "succeeded"


def latest_event(stripe_sim) -> dict:
    return stripe_sim.data(False).events[-1]


def test_paid_link_updates_its_row_without_a_sync(stripe_sim, connected, personas, client):
    from billingone.billing.models import PaymentLink

    synced(personas, connected)
    link = next(link for link in stripe_sim.data(False).links if link["active"] and not link["restrictions"])
    row = PaymentLink.objects.get(organization=personas.org_a, external_id=link["id"])
    runs_before = connected.runs.count()
    session = stripe_sim.complete_checkout(False, link["id"])
    answer = deliver(client, personas.org_a, latest_event(stripe_sim))
    assert answer.status_code == 200 and answer.json()["outcome"] == "updated"
    paid = PaymentLink.objects.get(pk=row.pk)
    assert paid.paid_count == row.paid_count + 1
    assert int(paid.last_paid_at.timestamp()) == session["created"]
    assert connected.runs.count() == runs_before  # no sync was needed
    # The same delivery again (Stripe retries): acknowledged, applied once.
    assert deliver(client, personas.org_a, latest_event(stripe_sim)).json()["outcome"] == "duplicate"
    assert PaymentLink.objects.get(pk=row.pk).paid_count == row.paid_count + 1


def test_created_and_deactivated_links(stripe_sim, connected, personas, client):
    from billingone.billing.models import PaymentLink

    synced(personas, connected)
    created = stripe_sim.create_link(False, client_index=3)
    assert deliver(client, personas.org_a, latest_event(stripe_sim)).json()["outcome"] == "updated"
    row = PaymentLink.objects.get(organization=personas.org_a, external_id=created["id"])
    assert row.active and row.lines.count() == len(stripe_sim.data(False).line_items[created["id"]])
    stripe_sim.update_link(False, created["id"], {"active": False})
    deliver(client, personas.org_a, latest_event(stripe_sim))
    assert not PaymentLink.objects.get(pk=row.pk).active
    # The next full refresh agrees with what the webhooks stored: nothing to change.
    from billingone.integrations.testing import run_sync

    again = run_sync(personas.org_a, "stripe", "full")
    assert (again.created, again.updated, again.removed) == (0, 0, 0)


def test_delivery_from_the_simulator_over_a_socket(stripe_sim, connected, personas, live_server):
    from billingone.billing.models import PaymentLink

    synced(personas, connected)
    stripe_sim.webhooks.add_endpoint(live_server.url + url_for(personas.org_a), SECRET)
    link = next(link for link in stripe_sim.data(False).links if link["active"] and not link["restrictions"])
    before = PaymentLink.objects.get(organization=personas.org_a, external_id=link["id"]).paid_count
    stripe_sim.complete_checkout(False, link["id"])
    stripe_sim.webhooks.wait_idle()
    assert stripe_sim.webhooks.deliveries[-1].status == 200
    assert PaymentLink.objects.get(organization=personas.org_a, external_id=link["id"]).paid_count == before + 1
