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
