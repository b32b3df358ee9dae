"""Xero's webhook hooks (PROVIDERS.md §2.7, specs/xero/xero-webhooks.yaml).

`x-xero-signature` is base64(HMAC-SHA256(raw body, webhook key)). Xero's "intent to receive"
check sends correctly and incorrectly signed deliveries with no events and expects 200 and
401 (empty bodies), which the shared receiver answers from verify(). Events are thin: each
names a tenantId (the Xero organisation a connection chose) and what changed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping

from billingone.integrations.webhooks import WebhookEvent, WebhookHooks

SIGNATURE_HEADER = "x-xero-signature"


def signature(raw_body: bytes, key: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), raw_body, hashlib.sha256).digest()).decode()


def verify(raw_body: bytes, headers: Mapping[str, str], secret: str) -> bool:
    given = headers.get(SIGNATURE_HEADER) or ""
    if not given or not secret:
        return False
    return hmac.compare_digest(given.encode(), signature(raw_body, secret).encode())


def parse(raw_body: bytes) -> list[WebhookEvent]:
    payload = json.loads(raw_body)  # ValueError (JSONDecodeError, UnicodeDecodeError) when malformed
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise ValueError("a Xero delivery has an events list")
    return [
        WebhookEvent(str(event["tenantId"]), str(event.get("eventCategory", "")), str(event.get("resourceId", "")))
        for event in payload["events"]
        if isinstance(event, dict) and event.get("tenantId")
    ]


HOOKS = WebhookHooks(
    secret_setting="XERO_WEBHOOK_KEY",  # noqa: S106 - the setting's name
    verify=verify,
    parse=parse,
    sync_mode="delta",
)
