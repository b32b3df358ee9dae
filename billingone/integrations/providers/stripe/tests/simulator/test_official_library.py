"""The simulator answers Stripe's official `stripe` library: listing, paging, expanding,
retrieving, updating, its error classes, and webhook signatures the library itself verifies."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from billingone.integrations.providers.stripe.simulator.keys import (
    DEMO_LIVE_KEY,
    DEMO_NO_PERMISSION_KEY,
    DEMO_SECRET_KEY,
)
from billingone.integrations.providers.stripe.tests.simulator.conftest import official_client
from simulators.dataset import clients


def test_auto_paging_walks_every_link_once(stripe_sim):
    links = list(official_client(stripe_sim).v1.payment_links.list({"limit": 7}).auto_paging_iter())
    expected = [link["id"] for link in reversed(stripe_sim.data(False).links)]
    assert [link.id for link in links] == expected  # newest first, no gaps or repeats
    assert all(link.object == "payment_link" and link.livemode is False for link in links)


def test_active_filter(stripe_sim):
    client = official_client(stripe_sim)
    inactive = list(client.v1.payment_links.list({"active": False, "limit": 100}).auto_paging_iter())
    active = list(client.v1.payment_links.list({"active": True, "limit": 100}).auto_paging_iter())
    assert inactive and active
    assert all(not link.active for link in inactive) and all(link.active for link in active)
    assert len(inactive) + len(active) == len(stripe_sim.data(False).links)


def test_ending_before_pages_backwards(stripe_sim):
    client = official_client(stripe_sim)
    first = client.v1.payment_links.list({"limit": 5})
    second = client.v1.payment_links.list({"limit": 5, "starting_after": first.data[-1].id})
    back = client.v1.payment_links.list({"limit": 5, "ending_before": second.data[0].id})
    assert [link.id for link in back.data] == [link.id for link in first.data]
    assert back.has_more is False and second.has_more is True


def test_line_items_expanded_and_listed(stripe_sim):
    client = official_client(stripe_sim)
    link_id = stripe_sim.data(False).links[0]["id"]
    link = client.v1.payment_links.retrieve(link_id, {"expand": ["line_items"]})
    listed = client.v1.payment_links.line_items.list(link_id)
    assert [item.id for item in link.line_items.data] == [item.id for item in listed.data]
    item = listed.data[0]
    assert item.object == "item" and item.price.object == "price"
    assert item.amount_total == item.price.unit_amount * item.quantity
    assert item.currency == link.currency


def test_links_name_the_shared_clients(stripe_sim):
    names = {client.name for client in clients(1, 12)}
    links = official_client(stripe_sim).v1.payment_links.list({"limit": 100}).data
    assert {link.metadata["client"] for link in links} == names


def test_checkout_sessions_and_events(stripe_sim):
    client = official_client(stripe_sim)
    paid = next(s for s in stripe_sim.data(False).sessions if s["status"] == "complete")
    sessions = client.v1.checkout.sessions.list({"payment_link": paid["payment_link"], "limit": 100}).data
    assert paid["id"] in {session.id for session in sessions}
    assert all(session.payment_link == paid["payment_link"] for session in sessions)
    events = client.v1.events.list({"type": "checkout.session.completed", "limit": 100}).data
    assert events and all(event.type == "checkout.session.completed" for event in events)
    assert all(event.data.object.status == "complete" for event in events)


def test_bad_key_is_an_authentication_error(stripe_sim):
    with pytest.raises(stripe.AuthenticationError) as caught:
        official_client(stripe_sim, "sk_test_NotAKeyTheSimulatorKnows1234").v1.payment_links.list()
    assert caught.value.http_status == 401
    assert "Invalid API Key provided: sk_test_" in caught.value.user_message
    assert "NotAKey" not in caught.value.user_message  # Stripe masks the key


def test_restricted_key_without_permission_is_a_permission_error(stripe_sim):
    with pytest.raises(stripe.PermissionError) as caught:
        official_client(stripe_sim, DEMO_NO_PERMISSION_KEY).v1.payment_links.list()
    assert caught.value.http_status == 403
    assert "rak_payment_link_read" in caught.value.user_message


def test_live_key_sees_live_data(stripe_sim):
    live = official_client(stripe_sim, DEMO_LIVE_KEY).v1.payment_links.list({"limit": 3}).data
    test = official_client(stripe_sim).v1.payment_links.list({"limit": 3}).data
    assert all(link.livemode for link in live) and not any(link.livemode for link in test)
    assert {link.id for link in live}.isdisjoint({link.id for link in test})
    assert "/test_" not in live[0].url and "/test_" in test[0].url


def test_missing_link_is_resource_missing(stripe_sim):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        official_client(stripe_sim).v1.payment_links.retrieve("plink_doesnotexist")
    assert caught.value.http_status == 404 and caught.value.code == "resource_missing"


def test_unknown_parameter_is_refused(stripe_sim):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        official_client(stripe_sim).v1.payment_links.list({"colour": "blue"})  # type: ignore[typeddict-unknown-key]
    assert caught.value.param == "colour"


class Receiver(BaseHTTPRequestHandler):
    received: list[tuple[bytes, str]]

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((body, self.headers["Stripe-Signature"]))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    handler = type("Handler", (Receiver,), {"received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", handler.received
    server.shutdown()
    server.server_close()


def test_update_sends_a_webhook_the_library_verifies(stripe_sim, receiver):
    url, received = receiver
    endpoint = stripe_sim.webhooks.add_endpoint(url, "whsec_simulatortest0123456789")
    link_id = next(link["id"] for link in stripe_sim.data(False).links if link["active"])
    updated = official_client(stripe_sim, DEMO_SECRET_KEY).v1.payment_links.update(link_id, {"active": False})
    assert updated.active is False
    stripe_sim.webhooks.wait_idle()
    body, signature = received[-1]
    event = stripe.Webhook.construct_event(body, signature, endpoint.secret)
    assert event.type == "payment_link.updated" and event.data.object.id == link_id
    assert event.data.previous_attributes.active is True
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, signature, "whsec_someoneelse")


def test_rolled_secret_signs_with_both_secrets(stripe_sim, receiver):
    url, received = receiver
    endpoint = stripe_sim.webhooks.add_endpoint(url, "whsec_old0123456789")
    old = endpoint.secret
    new = stripe_sim.webhooks.roll_secret(endpoint, "whsec_new0123456789")
    stripe_sim.complete_checkout(False, next(link["id"] for link in stripe_sim.data(False).links if link["active"]))
    stripe_sim.webhooks.wait_idle()
    body, signature = received[0]
    assert signature.count("v1=") == 2
    for secret in (old, new):
        assert stripe.Webhook.construct_event(body, signature, secret).type == "checkout.session.completed"


def test_read_only_key_cannot_update(stripe_sim):
    link_id = stripe_sim.data(False).links[0]["id"]
    with pytest.raises(stripe.PermissionError):
        official_client(stripe_sim).v1.payment_links.update(link_id, {"active": False})
