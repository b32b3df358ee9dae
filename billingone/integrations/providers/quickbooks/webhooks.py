"""QuickBooks webhooks (PROVIDERS.md §3.8): verify `intuit-signature` before reading anything,
then turn a CloudEvents payload (a JSON list of events) or the legacy `eventNotifications` one
into the companies (realm ids) to delta-sync. Notifications are thin, so nothing else is read
from them: a delta sync of the company picks up what changed, deletions included.

De-duplication: a delivery is identified by its CloudEvents ids (the body's digest for the
legacy format, which has none); one already seen (a retry, a replay) starts nothing, and the
events of one delivery start at most one sync per company.
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

SIGNATURE_HEADER = "intuit-signature"
SEEN_TTL_SECONDS = 3 * 86400  # longer than Intuit keeps retrying a delivery
SEEN_PREFIX = "quickbooks.webhook.seen:"


class PayloadInvalid(ValueError):
    """The signed body is not one of the two documented payloads."""


@dataclass(frozen=True)
class Notice:
    realm_ids: tuple[str, ...]  # each company once, in the order first named
    event_ids: tuple[str, ...]


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


def cloudevents(events: list) -> Notice:
    realms, ids = [], []
    for event in events:
        if not isinstance(event, dict) or not event.get("intuitaccountid") or not event.get("id"):
            raise PayloadInvalid("A CloudEvent without intuitaccountid or id.")
        if not str(event.get("type", "")).startswith("qbo."):
            continue  # another Intuit product's event
        realms.append(str(event["intuitaccountid"]))
        ids.append(str(event["id"]))
    return Notice(tuple(dict.fromkeys(realms)), tuple(ids))


def legacy(notifications: list, digest: str) -> Notice:
    realms = []
    for notification in notifications:
        if not isinstance(notification, dict) or not notification.get("realmId"):
            raise PayloadInvalid("An eventNotification without realmId.")
        realms.append(str(notification["realmId"]))
    return Notice(tuple(dict.fromkeys(realms)), (digest,))


def first_sighting(notice: Notice) -> bool:
    """Mark the delivery's events seen; False when every one of them was seen before."""
    fresh = [cache.add(SEEN_PREFIX + event_id, 1, SEEN_TTL_SECONDS) for event_id in notice.event_ids]
    return any(fresh)


def realms_to_sync(raw_body: bytes, headers: Mapping[str, str], verifier_token: str) -> tuple[str, ...] | None:
    """The companies a verified, not yet seen delivery asks to sync; None when the signature fails."""
    if not verify(raw_body, headers, verifier_token):
        return None
    notice = parse(raw_body)
    return notice.realm_ids if first_sighting(notice) else ()
