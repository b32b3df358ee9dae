"""Push device registration input: APNs tokens and Web Push subscriptions, validated."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

APNS_TOKEN = re.compile(r"^[0-9a-fA-F]{64,200}$")


class DeviceInputError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass
class DeviceInput:
    platform: str
    token: str
    p256dh: str = ""
    auth: str = ""


def _b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def endpoint_allowed(endpoint: str) -> bool:
    """Only https endpoints on known push services, on port 443: the server posts to this URL, so
    an arbitrary one would let a user make us call internal hosts or other services of an allowed
    host. An allow-list entry "host:port" (the local simulators) allows that one port instead."""
    parts = urlsplit(endpoint)
    try:
        host, port = (parts.hostname or "").lower(), parts.port or 443
    except ValueError:  # a port out of range or not a number
        return False
    if parts.scheme != "https" or not host or parts.username or parts.password:
        return False
    for allowed in (entry.lower() for entry in settings.WEBPUSH_ALLOWED_HOSTS):
        allowed_host, _, allowed_port = allowed.partition(":")
        if (host == allowed_host or host.endswith("." + allowed_host)) and port == int(allowed_port or 443):
            return True
    return False


def parse_webpush(token: str, keys: dict | None) -> DeviceInput:
    """`token` is the subscription's JSON (PushSubscription.toJSON()) or its endpoint, with `keys`."""
    endpoint = token
    if token.lstrip().startswith("{"):
        try:
            subscription = json.loads(token)
            endpoint, keys = subscription["endpoint"], subscription.get("keys")
        except (ValueError, KeyError, TypeError):
            raise DeviceInputError("token", "Not a valid Web Push subscription.") from None
    if not isinstance(endpoint, str) or len(endpoint) > 1000 or not endpoint_allowed(endpoint):
        raise DeviceInputError("token", "The subscription endpoint must be an https URL of a known push service.")
    if not isinstance(keys, dict):
        raise DeviceInputError("keys", "A Web Push subscription needs keys.p256dh and keys.auth.")
    p256dh, auth = str(keys.get("p256dh", "")), str(keys.get("auth", ""))
    try:
        public, secret = _b64url_decode(p256dh), _b64url_decode(auth)
    except (binascii.Error, ValueError):
        raise DeviceInputError("keys", "keys.p256dh and keys.auth must be base64url.") from None
    if len(public) != 65 or public[0] != 4 or len(secret) != 16:
        raise DeviceInputError("keys", "keys.p256dh must be a P-256 public key and keys.auth 16 bytes.")
    return DeviceInput("webpush", endpoint, p256dh, auth)


def parse_device(platform: str, token: str, keys: dict | None = None) -> DeviceInput:
    token = (token or "").strip()
    if platform == "apns":
        if not APNS_TOKEN.match(token):
            raise DeviceInputError("token", "An APNs device token is 64 or more hexadecimal characters.")
        return DeviceInput("apns", token.lower())
    if platform == "webpush":
        return parse_webpush(token, keys)
    raise DeviceInputError("platform", "platform must be apns or webpush.")
