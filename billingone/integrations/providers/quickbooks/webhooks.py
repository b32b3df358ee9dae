"""QuickBooks webhooks (PROVIDERS.md §3.8), the hooks of the shared receiver at
/webhooks/quickbooks/ (integrations/webhooks.py): verify `intuit-signature` before reading
anything, then turn a CloudEvents payload (a JSON list of events) or the legacy
`eventNotifications` one into events naming the company (realm id) to delta-sync. Notifications
are thin: the delta sync of the company picks up what changed, deletions included.

De-duplication: a delivery is identified by its CloudEvents ids (the body's digest for the
legacy format, which has none); one already seen (a retry, a replay) starts nothing, and the
receiver turns the events of a company into one delta sync.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.cache import cache

from billingone.integrations.webhooks import WebhookEvent, WebhookHooks

SIGNATURE_HEADER = "intuit-signature"
SEEN_TTL_SECONDS = 3 * 86400  # longer than Intuit keeps retrying a delivery
SEEN_PREFIX = "quickbooks.webhook.seen:"


class PayloadInvalid(ValueError):
    """The signed body is not one of the two documented payloads."""


@dataclass(frozen=True)
class Notice:
    events: tuple[WebhookEvent, ...]
    event_ids: tuple[str, ...]

    @property
    def realm_ids(self) -> tuple[str, ...]:
        """Each company once, in the order first named."""
        return tuple(dict.fromkeys(event.account_id for event in self.events))


def verify(raw_body: bytes, headers: Mapping[str, str], verifier_token: str) -> bool:
    """True when `intuit-signature` is base64(HMAC-SHA256(verifier token, raw body))."""
    signature = next((value for name, value in headers.items() if name.lower() == SIGNATURE_HEADER), "")
    if not signature or not verifier_token:
        return False
    try:
        given = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = hmac.new(verifier_token.encode(), raw_body, hashlib.sha256).digest()
    return hmac.compare_digest(given, expected)


def parse(raw_body: bytes) -> Notice:
    try:
        payload = json.loads(raw_body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise PayloadInvalid("The body is not JSON.") from None
    if isinstance(payload, list):
        return cloudevents(payload)
    if isinstance(payload, dict) and isinstance(payload.get("eventNotifications"), list):
        return legacy(payload["eventNotifications"], hashlib.sha256(raw_body).hexdigest())
    raise PayloadInvalid("Neither CloudEvents nor eventNotifications.")


def cloudevents(items: list) -> Notice:
    events, ids = [], []
    for item in items:
        if not isinstance(item, dict) or not item.get("intuitaccountid") or not item.get("id"):
            raise PayloadInvalid("A CloudEvent without intuitaccountid or id.")
        kind = str(item.get("type", ""))
        if not kind.startswith("qbo."):
            continue  # another Intuit product's event
        entity = kind.split(".")[1] if kind.count(".") >= 2 else ""
        events.append(WebhookEvent(str(item["intuitaccountid"]), entity, str(item.get("intuitentityid", ""))))
        ids.append(str(item["id"]))
    return Notice(tuple(events), tuple(ids))


def legacy(notifications: list, digest: str) -> Notice:
    events = []
    for notification in notifications:
        if not isinstance(notification, dict) or not notification.get("realmId"):
            raise PayloadInvalid("An eventNotification without realmId.")
        entities = (notification.get("dataChangeEvent") or {}).get("entities") or [{}]
        for entity in entities if isinstance(entities, list) else [{}]:
            entity = entity if isinstance(entity, dict) else {}
            events.append(
                WebhookEvent(str(notification["realmId"]), str(entity.get("name", "")), str(entity.get("id", "")))
            )
    return Notice(tuple(events), (digest,))


def first_sighting(notice: Notice) -> bool:
    """Mark the delivery's events seen; False when every one of them was seen before."""
    fresh = [cache.add(SEEN_PREFIX + event_id, 1, SEEN_TTL_SECONDS) for event_id in notice.event_ids]
    return any(fresh)


def new_events(raw_body: bytes) -> list[WebhookEvent]:
    """The events of a verified delivery, none when it was seen before (a retry, a replay)."""
    notice = parse(raw_body)
    return list(notice.events) if first_sighting(notice) else []


def realms_to_sync(raw_body: bytes, headers: Mapping[str, str], verifier_token: str) -> tuple[str, ...] | None:
    """The companies a verified, not yet seen delivery asks to sync; None when the signature fails."""
    if not verify(raw_body, headers, verifier_token):
        return None
    return tuple(dict.fromkeys(event.account_id for event in new_events(raw_body)))


HOOKS = WebhookHooks(
    secret_setting="QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN",  # noqa: S106 - the setting's name
    verify=verify,
    parse=new_events,
    sync_mode="delta",
)
