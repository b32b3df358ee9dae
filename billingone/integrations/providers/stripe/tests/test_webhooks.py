"""Stripe-Signature verification and event parsing (pure functions): good, bad, stale, rotated
secret, replayed delivery, and the links the three handled events point at."""

from __future__ import annotations

import json
import time

import pytest
import stripe

from billingone.integrations.providers.stripe.simulator.webhooks import signature_header
from billingone.integrations.providers.stripe.webhooks import BadEvent, parse, verify

SECRET = "whsec_current0123456789abcdef"
OLD_SECRET = "whsec_previous0123456789abcdef"
BODY = json.dumps(
    {
        "id": "evt_1Abc",
        "object": "event",
        "type": "checkout.session.completed",
        "livemode": False,
        "created": 1_780_000_000,
        "data": {"object": {"id": "cs_test_1", "object": "checkout.session", "payment_link": "plink_1Xyz"}},
    }
).encode()


def headers_for(body: bytes, secrets: list[str], at: float) -> dict[str, str]:
    return {"Stripe-Signature": signature_header(body, secrets, int(at))}


def test_good_signature():
    now = time.time()
    assert verify(BODY, headers_for(BODY, [SECRET], now), SECRET, now=now)
    assert verify(BODY, {"stripe-signature": headers_for(BODY, [SECRET], now)["Stripe-Signature"]}, SECRET)


def test_the_official_library_agrees():
    header = headers_for(BODY, [SECRET], time.time())["Stripe-Signature"]
    assert stripe.Webhook.construct_event(BODY, header, SECRET).id == "evt_1Abc"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda body, headers: (body.replace(b"plink_1Xyz", b"plink_2Evil"), headers),  # body changed
        lambda body, headers: (body, headers_for(body, ["whsec_attacker"], time.time())),  # wrong secret
        lambda body, headers: (body, {"Stripe-Signature": "t=abc,v1=00"}),  # garbled
        lambda body, headers: (body, {}),  # no header
        lambda body, headers: (body, {"Stripe-Signature": headers["Stripe-Signature"].split(",")[0]}),  # no v1
        lambda body, headers: (body, {"Stripe-Signature": headers["Stripe-Signature"].replace("v1=", "v0=")}),
    ],
)
def test_bad_signatures(tamper):
    body, headers = tamper(BODY, headers_for(BODY, [SECRET], time.time()))
    assert not verify(body, headers, SECRET)


def test_stale_timestamp_is_refused():
    now = time.time()
    assert verify(BODY, headers_for(BODY, [SECRET], now - 299), SECRET, now=now)
    assert not verify(BODY, headers_for(BODY, [SECRET], now - 301), SECRET, now=now)
    assert not verify(BODY, headers_for(BODY, [SECRET], now + 301), SECRET, now=now)


def test_replayed_delivery_fails_once_outside_the_tolerance():
    captured = headers_for(BODY, [SECRET], 1_780_000_000)
    assert verify(BODY, captured, SECRET, now=1_780_000_010)
    assert not verify(BODY, captured, SECRET, now=1_780_000_000 + 3600)


def test_rotated_secret_either_side():
    now = time.time()
    during_roll = headers_for(BODY, [SECRET, OLD_SECRET], now)  # Stripe signs with both
    assert verify(BODY, during_roll, SECRET, now=now)
    assert verify(BODY, during_roll, OLD_SECRET, now=now)
    # We hold both while we rotate ours: a delivery signed with only the old one still passes.
    assert verify(BODY, headers_for(BODY, [OLD_SECRET], now), [SECRET, OLD_SECRET], now=now)
    assert not verify(BODY, headers_for(BODY, [OLD_SECRET], now), [SECRET, ""], now=now)


def test_no_secret_verifies_nothing():
    now = time.time()
    assert not verify(BODY, headers_for(BODY, [""], now), "", now=now)


def test_parse_points_at_the_link():
    event = parse(BODY)
    assert (event.id, event.type, event.link_id, event.handled) == (
        "evt_1Abc",
        "checkout.session.completed",
        "plink_1Xyz",
        True,
    )
    updated = json.loads(BODY)
    updated.update(type="payment_link.updated", data={"object": {"id": "plink_9", "object": "payment_link"}})
    assert parse(json.dumps(updated).encode()).link_id == "plink_9"
    other = {**updated, "type": "charge.succeeded", "data": {"object": {"id": "ch_1"}}}
    assert not parse(json.dumps(other).encode()).handled


@pytest.mark.parametrize(
    "body", [b"not json", b"{}", b'{"id": "x", "object": "event", "type": "a", "data": {}}', b"[]"]
)
def test_unreadable_events(body):
    with pytest.raises(BadEvent):
        parse(body)
