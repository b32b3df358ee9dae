"""Webhook delivery as Stripe does it: each event POSTed as JSON to the configured endpoint with
`Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. While a secret is
being rolled, the old one keeps signing too (two `v1` values) until it expires."""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import secrets
import threading
from dataclasses import dataclass, field

import httpx


def signature_header(payload: bytes, signing_secrets: list[str], at: int) -> str:
    signed = f"{at}.".encode() + payload
    values = [hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest() for secret in signing_secrets]
    return ",".join([f"t={at}", *(f"v1={value}" for value in values)])


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(24)


@dataclass
class Endpoint:
    url: str
    secret: str
    enabled_events: tuple[str, ...] = ("*",)
    previous_secret: str = ""
    previous_expires_at: float = 0.0

    def wants(self, kind: str) -> bool:
        return "*" in self.enabled_events or kind in self.enabled_events

    def secrets_at(self, now: float) -> list[str]:
        if self.previous_secret and now < self.previous_expires_at:
            return [self.secret, self.previous_secret]
        return [self.secret]


@dataclass
class Delivery:
    event_id: str
    url: str
    status: int  # 0: could not connect
    signature: str = ""


@dataclass
class Webhooks:
    clock: object
    endpoints: list[Endpoint] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)

    def __post_init__(self):
        self.queue: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._deliver_forever, name="stripe-sim-webhooks", daemon=True)
        self.thread.start()

    def add_endpoint(self, url: str, secret: str = "", enabled_events=("*",)) -> Endpoint:
        endpoint = Endpoint(url, secret or new_secret(), tuple(enabled_events))
        self.endpoints.append(endpoint)
        return endpoint

    def roll_secret(self, endpoint: Endpoint, new: str = "", keep_old_for: float = 86400.0) -> str:
        """Stripe's "roll secret": a new secret signs at once, the old one too for a while."""
        endpoint.previous_secret, endpoint.previous_expires_at = endpoint.secret, self.clock() + keep_old_for
        endpoint.secret = new or new_secret()
        return endpoint.secret

    def send(self, event: dict) -> None:
        for endpoint in self.endpoints:
            if endpoint.wants(event["type"]):
                self.queue.put((endpoint, event))

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Block until every queued event was delivered (tests)."""
        done = threading.Event()
        self.queue.put((None, done))
        done.wait(timeout)

    def _deliver_forever(self) -> None:
        while True:
            endpoint, event = self.queue.get()
            if endpoint is None:
                event.set()
                continue
            self.deliveries.append(self._deliver(endpoint, event))

    def _deliver(self, endpoint: Endpoint, event: dict) -> Delivery:
        body = json.dumps(event, indent=2).encode()
        signature = signature_header(body, endpoint.secrets_at(self.clock()), int(self.clock()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            "Stripe-Signature": signature,
        }
        try:
            status = httpx.post(endpoint.url, content=body, headers=headers, timeout=10).status_code
        except httpx.HTTPError:
            status = 0
        return Delivery(event["id"], endpoint.url, status, signature)
