"""Xero's webhooks as the simulator plays them: signed deliveries to a configured URL.

Like Xero, changes are batched into one delivery (`events`, `firstEventSequence`,
`lastEventSequence`, `entropy`), each signed with `x-xero-signature` = base64(HMAC-SHA256(body,
webhook key)), and the "intent to receive" check sends one correctly and one incorrectly
signed delivery with no events, expecting 200 and 401 with empty bodies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import string
import threading
from datetime import UTC, datetime

import httpx

BATCH_SECONDS = 0.05  # changes this close together travel in one delivery


def sign(body: bytes, key: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


class WebhookSender:
    def __init__(self, clock, api_url=lambda: "https://api.xero.com"):
        self.clock, self.api_url = clock, api_url
        self.url, self.key = "", ""
        self.sequence = 0
        self.pending: list[dict] = []
        self.deliveries: list[dict] = []  # {"events": n, "status": code} per delivery, for tests
        self.lock = threading.Lock()
        self.idle = threading.Event()
        self.idle.set()

    def configure(self, url: str, key: str) -> None:
        self.url, self.key = url, key

    @property
    def configured(self) -> bool:
        return bool(self.url and self.key)

    # ---- building and sending -----------------------------------------------------------
    def event(self, tenant_id: str, category: str, resource_id: str, event_type: str) -> dict:
        resource = {"INVOICE": "Invoices", "CONTACT": "Contacts"}.get(category, category.title() + "s")
        stamp = datetime.fromtimestamp(self.clock(), tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
        return {
            "resourceUrl": f"{self.api_url()}/api.xro/2.0/{resource}/{resource_id}",
            "resourceId": resource_id,
            "eventDateUtc": stamp,
            "eventType": event_type,
            "eventCategory": category,
            "tenantId": tenant_id,
            "tenantType": "ORGANISATION",
        }

    def body(self, events: list[dict]) -> bytes:
        with self.lock:
            first = self.sequence + 1
            self.sequence += len(events)
            last = self.sequence if events else first
        entropy = "".join(secrets.choice(string.ascii_uppercase) for _ in range(20))
        payload = {"events": events, "firstEventSequence": first, "lastEventSequence": last, "entropy": entropy}
        return json.dumps(payload).encode()

    def post(self, body: bytes, signature: str | None) -> int:
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["x-xero-signature"] = signature
        response = httpx.post(self.url, content=body, headers=headers, timeout=10)
        return response.status_code

    def deliver(self, events: list[dict], *, key: str | None = None) -> int:
        """Send one delivery now, signed with `key` (default: the configured webhook key)."""
        body = self.body(events)
        status = self.post(body, sign(body, self.key if key is None else key))
        self.deliveries.append({"events": len(events), "status": status})
        return status

    def intent_to_receive(self) -> bool:
        """Xero's check when a webhook is set up: 200 to a signed probe, 401 to a badly signed one."""
        good = self.deliver([])
        bad = self.deliver([], key=self.key + "-not-the-key")
        return good == 200 and bad == 401

    # ---- changes made in the simulator ------------------------------------------------------
    def emit(self, tenant_id: str, category: str, resource_id: str, event_type: str) -> None:
        """Queue an event; a short-lived thread sends what gathered as one delivery."""
        if not self.configured:
            return
        with self.lock:
            self.pending.append(self.event(tenant_id, category, resource_id, event_type))
            starting = self.idle.is_set()
            self.idle.clear()
        if starting:
            threading.Thread(target=self._send_batch, name="xero-sim-webhook", daemon=True).start()

    def _send_batch(self) -> None:
        threading.Event().wait(BATCH_SECONDS)
        with self.lock:
            events, self.pending = self.pending, []
        try:
            self.deliver(events)
        except httpx.HTTPError:
            self.deliveries.append({"events": len(events), "status": 0})
        finally:
            with self.lock:
                more = bool(self.pending)
                if not more:
                    self.idle.set()
            if more:
                self._send_batch()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every emitted event was delivered (tests)."""
        return self.idle.wait(timeout)
