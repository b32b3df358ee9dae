"""Webhook delivery as Intuit does it (PROVIDERS.md §3.8): a POST to the app's endpoint with
`intuit-signature` = base64(HMAC-SHA256(verifier token, raw body)), in the CloudEvents format
(a JSON list of events) or the legacy `eventNotifications` one. Changes that happen close
together are sent in one delivery, as Intuit batches them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import uuid
from dataclasses import dataclass, field

import httpx

BATCH_SECONDS = 0.2
PAST_TENSE = {"Create": "created", "Update": "updated", "Delete": "deleted", "Void": "voided", "Merge": "merged"}


def sign(body: bytes, verifier_token: str) -> str:
    return base64.b64encode(hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()).decode()


def cloudevents(events: list[dict]) -> list[dict]:
    return [
        {
            "specversion": "1.0",
            "id": event["event_id"],
            "source": "intuit.dsnBgbseACLLRZNxo2dfc4evmEJdxde58xeeYcZliOU=",
            "type": f"qbo.{event['entity'].lower()}.{PAST_TENSE.get(event['operation'], 'updated')}.v1",
            "datacontenttype": "application/json",
            "time": event["time"],
            "intuitentityid": event["entity_id"],
            "intuitaccountid": event["realm_id"],
            "data": {},
        }
        for event in events
    ]


def legacy(events: list[dict]) -> dict:
    by_realm: dict[str, list[dict]] = {}
    for event in events:
        by_realm.setdefault(event["realm_id"], []).append(
            {
                "name": event["entity"],
                "id": event["entity_id"],
                "operation": event["operation"],
                "lastUpdated": event["time"],
            }
        )
    return {
        "eventNotifications": [
            {"realmId": realm, "dataChangeEvent": {"entities": entities}} for realm, entities in by_realm.items()
        ]
    }


@dataclass
class Delivery:
    status: int
    body: bytes
    signature: str
    error: str = ""


@dataclass
class Webhooks:
    clock: object
    url: str = ""
    verifier_token: str = ""
    format: str = "cloudevents"  # or "legacy"
    pending: list[dict] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    timer: threading.Timer | None = None

    def configure(self, url: str, verifier_token: str, format: str = "cloudevents") -> None:
        if format not in ("cloudevents", "legacy"):
            raise ValueError("format is cloudevents or legacy")
        self.url, self.verifier_token, self.format = url, verifier_token, format

    def notify(self, realm_id: str, entity: str, entity_id: str, operation: str, when: str) -> None:
        if not self.url:
            return
        event = {
            "event_id": str(uuid.uuid4()),
            "realm_id": realm_id,
            "entity": entity,
            "entity_id": entity_id,
            "operation": operation,
            "time": when,
        }
        with self.lock:
            self.pending.append(event)
            if self.timer is None:
                self.timer = threading.Timer(BATCH_SECONDS, self.flush)
                self.timer.daemon = True
                self.timer.start()

    def flush(self) -> None:
        with self.lock:
            events, self.pending, self.timer = self.pending, [], None
        if not events or not self.url:
            return
        payload = cloudevents(events) if self.format == "cloudevents" else legacy(events)
        body = json.dumps(payload).encode()
        signature = sign(body, self.verifier_token)
        headers = {"Content-Type": "application/json", "intuit-signature": signature}
        try:
            response = httpx.post(self.url, content=body, headers=headers, timeout=5, follow_redirects=False)
            self.deliveries.append(Delivery(response.status_code, body, signature))
        except httpx.HTTPError as error:
            self.deliveries.append(Delivery(0, body, signature, type(error).__name__))

    def wait(self) -> None:
        """Deliver what is pending now (tests, shutdown)."""
        timer = self.timer
        if timer is not None:
            timer.cancel()
            self.flush()
