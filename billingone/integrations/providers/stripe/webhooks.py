"""Stripe webhooks, as pure functions: verify a delivery's `Stripe-Signature` before reading it,
then say which payment link the event concerns.

Signature (docs.stripe.com/webhooks#verify-manually): the header is `t=<unix time>,v1=<hex>[,v1=…]`;
each `v1` is HMAC-SHA256 over `"<t>." + raw body` keyed with an endpoint signing secret. While a
secret is being rolled Stripe signs with the old and the new one, so any matching `v1` is enough;
we may also hold more than one secret ourselves. A timestamp more than 300 s away is refused, so
a captured delivery cannot be replayed later. Events are then applied by id, idempotently: the
link is re-read from Stripe (absolute values), so a repeated or reordered event changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

TOLERANCE_SECONDS = 300
HANDLED = ("payment_link.created", "payment_link.updated", "checkout.session.completed")


def signature_parts(header: str) -> tuple[int | None, list[str]]:
    timestamp, signatures = None, []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1" and value:
            signatures.append(value.strip())
    return timestamp, signatures


def header_value(headers: Mapping[str, str], name: str) -> str:
    """A header by name, whatever its case (Django's request.headers, a plain dict, WSGI META)."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted or key.lower() == "http_" + wanted.replace("-", "_"):
            return value
    return ""


def verify(
    raw_body: bytes,
    headers: Mapping[str, str],
    secret: str | Iterable[str],
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """True when one of the header's `v1` signatures is ours over this exact body, signed less
    than `tolerance` seconds from now. `secret` may be several (ours while we rotate)."""
    secrets = [secret] if isinstance(secret, str) else list(secret)
    secrets = [value for value in secrets if value]
    timestamp, signatures = signature_parts(header_value(headers, "Stripe-Signature"))
    if timestamp is None or not signatures or not secrets:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    signed = f"{timestamp}.".encode() + raw_body
    expected = [hmac.new(value.encode(), signed, hashlib.sha256).hexdigest() for value in secrets]
    return any(hmac.compare_digest(mine, theirs) for mine in expected for theirs in signatures)


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    livemode: bool
    created: int
    link_id: str  # the payment link it concerns ("" when none)

    @property
    def handled(self) -> bool:
        return self.type in HANDLED and bool(self.link_id)


class BadEvent(ValueError):
    """The (verified) body is not a Stripe event we can read."""


def parse(raw_body: bytes) -> Event:
    try:
        payload = json.loads(raw_body)
        obj = payload["data"]["object"]
        kind = str(payload["type"])
        event_id = str(payload["id"])
    except (ValueError, KeyError, TypeError) as error:
        raise BadEvent("Not a Stripe event") from error
    if payload.get("object") != "event" or not event_id.startswith("evt_") or not isinstance(obj, dict):
        raise BadEvent("Not a Stripe event")
    if kind.startswith("payment_link."):
        link_id = str(obj.get("id") or "")
    elif kind == "checkout.session.completed":
        link_id = str(obj.get("payment_link") or "")
    else:
        link_id = ""
    return Event(event_id, kind, bool(payload.get("livemode")), int(payload.get("created") or 0), link_id)
