"""Push channel: APNs over HTTP/2 with ES256 provider tokens, and Web Push with VAPID.

A token the service reports as gone (APNs 410 / BadDeviceToken, Web Push 404/410) is
deleted at once. Payloads carry the deep link (`url`, absolute, and `path`) so the app opens
the right screen.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import ssl
import threading
import time
from typing import Any

import httpx
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from django.conf import settings
from django.utils import timezone

from billingone.notifications.channels.errors import DeviceGone, PermanentDeliveryError
from billingone.notifications.models import Delivery, PushDevice
from billingone.notifications.rendering import absolute_url

logger = logging.getLogger(__name__)

APNS_TOKEN_LIFETIME = 30 * 60  # Apple: refresh after 20 min, never older than 60 min
APNS_GONE_REASONS = {"BadDeviceToken", "Unregistered", "DeviceTokenNotForTopic"}


class TransientPushError(Exception):
    """The push service is busy or down; try again later."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def es256_jwt(header: dict[str, Any], claims: dict[str, Any], private_key_pem: str) -> str:
    """A compact JWS signed with ES256 (the raw r||s signature JOSE wants, not DER)."""
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise PermanentDeliveryError("The APNs signing key must be a P-256 (ES256) key.")
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return f"{signing_input}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


class ApnsTokenCache:
    """One provider token per key, reused for up to 30 minutes (Apple throttles new ones)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._token: tuple[str, float, str] | None = None

    def get(self, key_id: str, team_id: str, private_key: str) -> str:
        with self._lock:
            now = time.time()
            if self._token and self._token[0] == key_id and now - self._token[1] < APNS_TOKEN_LIFETIME:
                return self._token[2]
            token = es256_jwt({"alg": "ES256", "kid": key_id}, {"iss": team_id, "iat": int(now)}, private_key)
            self._token = (key_id, now, token)
            return token

    def reset(self) -> None:
        with self._lock:
            self._token = None


apns_tokens = ApnsTokenCache()


def _verify() -> ssl.SSLContext | bool:
    ca_file = getattr(settings, "PUSH_CA_FILE", "")
    return ssl.create_default_context(cafile=ca_file) if ca_file else True


def _apns_private_key() -> str:
    key = settings.APNS_PRIVATE_KEY
    if not key and settings.APNS_PRIVATE_KEY_FILE:
        with open(settings.APNS_PRIVATE_KEY_FILE) as handle:
            key = handle.read()
    return key


def apns_payload(delivery: Delivery) -> dict[str, Any]:
    payload = delivery.payload
    path = payload.get("url", "/")
    return {
        "aps": {
            "alert": {"title": payload.get("title", ""), "body": payload.get("body", "")},
            "sound": "default",
            "thread-id": delivery.event,
        },
        "event": delivery.event,
        "organization": delivery.organization.slug if delivery.organization else None,
        "path": path,
        "url": absolute_url(path),
    }


def send_apns(delivery: Delivery, device: PushDevice) -> None:
    private_key = _apns_private_key()
    if not (settings.APNS_KEY_ID and settings.APNS_TEAM_ID and settings.APNS_TOPIC and private_key):
        raise PermanentDeliveryError("APNs is not configured (APNS_KEY_ID, APNS_TEAM_ID, APNS_TOPIC, key).")
    token = apns_tokens.get(settings.APNS_KEY_ID, settings.APNS_TEAM_ID, private_key)
    url = f"https://{settings.APNS_HOST}:{settings.APNS_PORT}/3/device/{device.token}"
    headers = {
        "authorization": f"bearer {token}",
        "apns-topic": settings.APNS_TOPIC,
        "apns-push-type": "alert",
        "apns-priority": "10",
        "apns-expiration": str(int(time.time()) + 86400),
        "apns-collapse-id": hashlib.sha256(delivery.dedupe_key.encode()).hexdigest()[:64],
    }
    try:
        with httpx.Client(http2=True, verify=_verify(), timeout=10, follow_redirects=False) as client:
            response = client.post(url, headers=headers, content=json.dumps(apns_payload(delivery)).encode())
    except httpx.HTTPError as exc:
        raise TransientPushError(f"APNs unreachable ({type(exc).__name__})") from exc
    _apns_outcome(response, device)


def _apns_outcome(response: httpx.Response, device: PushDevice) -> None:
    if response.status_code == 200:
        return
    try:
        reason = str(response.json().get("reason", ""))[:60]
    except ValueError:
        reason = ""
    if response.status_code == 410 or reason in APNS_GONE_REASONS:
        _remove(device, f"APNs: {reason or 'Unregistered'}")
    if response.status_code == 403:
        apns_tokens.reset()  # an expired or rejected provider token: sign a fresh one next time
        raise TransientPushError(f"APNs refused the provider token ({reason})")
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientPushError(f"APNs busy ({response.status_code} {reason})")
    raise PermanentDeliveryError(f"APNs rejected the notification ({response.status_code} {reason})")


def webpush_payload(delivery: Delivery) -> str:
    payload = delivery.payload
    path = payload.get("url", "/")
    return json.dumps(
        {
            "title": payload.get("title", ""),
            "body": payload.get("body", ""),
            "event": delivery.event,
            "path": path,
            "url": absolute_url(path),
        }
    )


def send_webpush(delivery: Delivery, device: PushDevice) -> None:
    from pywebpush import WebPushException, webpush

    if not settings.WEBPUSH_VAPID_PRIVATE_KEY:
        raise PermanentDeliveryError("Web Push is not configured (WEBPUSH_VAPID_PRIVATE_KEY).")
    session = requests.Session()
    session.max_redirects = 0
    if getattr(settings, "PUSH_CA_FILE", ""):
        # REQUESTS_CA_BUNDLE in the environment would otherwise win over session.verify.
        session.trust_env = False
        session.verify = settings.PUSH_CA_FILE
    try:
        webpush(
            {"endpoint": device.token, "keys": {"p256dh": device.p256dh, "auth": device.auth}},
            data=webpush_payload(delivery),
            vapid_private_key=settings.WEBPUSH_VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.WEBPUSH_VAPID_SUBJECT},
            ttl=86400,
            timeout=10,
            requests_session=session,
        )
    except WebPushException as exc:
        status = exc.response.status_code if exc.response is not None else 0
        if status in (404, 410):
            _remove(device, f"Web Push: subscription gone ({status})")
        if status == 429 or status >= 500 or status == 0:
            raise TransientPushError(f"Web Push service busy ({status})") from exc
        raise PermanentDeliveryError(f"Web Push service rejected the message ({status})") from exc
    except requests.RequestException as exc:
        raise TransientPushError(f"Web Push service unreachable ({type(exc).__name__})") from exc


def _remove(device: PushDevice, reason: str) -> None:
    logger.info("push device removed", extra={"device": device.pk, "reason": reason})
    PushDevice.objects.filter(pk=device.pk).delete()
    raise DeviceGone(reason)


def send(delivery: Delivery) -> None:
    device = delivery.device
    if device is None:
        raise DeviceGone("The device was removed before the push was sent.")
    if device.platform == PushDevice.Platform.APNS:
        send_apns(delivery, device)
    else:
        send_webpush(delivery, device)
    PushDevice.objects.filter(pk=device.pk).update(last_used_at=timezone.now())
