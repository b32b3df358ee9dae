"""AES-256-GCM encryption of secrets at rest, with versioned keys and bound context.

A token reads ``v<key-id>:aes256gcm:<base64url(nonce || ciphertext+tag)>``. The associated
data (AAD) names what the secret belongs to (organization, model, field, row), so a
ciphertext copied onto another row or organization fails to decrypt instead of leaking.
Keys come from settings.FIELD_ENCRYPTION_KEYS ("id:base64key,..." with the primary first);
without keys nothing is encrypted or decrypted (fail closed).
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ALGORITHM = "aes256gcm"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """The token is malformed, was made with an unknown key, or was tampered with or moved."""


@dataclass(frozen=True)
class KeyRing:
    keys: dict[int, bytes]
    primary_id: int

    @classmethod
    def parse(cls, setting: str) -> KeyRing:
        keys: dict[int, bytes] = {}
        primary_id = None
        for entry in (part.strip() for part in setting.split(",")):
            if not entry:
                continue
            key_id_text, _, encoded = entry.partition(":")
            try:
                key_id = int(key_id_text)
                key = base64.b64decode(encoded, validate=True)
            except (ValueError, binascii.Error) as exc:
                raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS entries must be 'id:base64key'") from exc
            if len(key) != 32:
                raise ImproperlyConfigured(f"Encryption key {key_id} must be 32 bytes (AES-256)")
            if key_id in keys:
                raise ImproperlyConfigured(f"Encryption key id {key_id} appears twice")
            keys[key_id] = key
            primary_id = key_id if primary_id is None else primary_id
        if primary_id is None:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: refusing to handle secrets")
        return cls(keys=keys, primary_id=primary_id)


@cache
def _keyring_for(setting: str) -> KeyRing:
    return KeyRing.parse(setting)


def keyring() -> KeyRing:
    return _keyring_for(getattr(settings, "FIELD_ENCRYPTION_KEYS", "") or "")


def associated_data(*parts: object) -> bytes:
    """AAD from the identities a secret is bound to, e.g. (org.pk, "integrations.credential", row.pk)."""
    return "|".join(str(part) for part in parts).encode()


def encrypt(plaintext: str, *, aad: bytes) -> str:
    ring = keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ring.keys[ring.primary_id]).encrypt(nonce, plaintext.encode(), aad)
    body = base64.urlsafe_b64encode(nonce + sealed).decode()
    return f"v{ring.primary_id}:{ALGORITHM}:{body}"


def key_id_of(token: str) -> int:
    return _split(token)[0]


def _split(token: str) -> tuple[int, str, str]:
    try:
        version_text, algorithm, body = token.split(":", 2)
        if not version_text.startswith("v") or algorithm != ALGORITHM:
            raise ValueError(token[:16])
        return int(version_text[1:]), algorithm, body
    except ValueError as exc:
        raise DecryptionError("not an encrypted token") from exc


def decrypt(token: str, *, aad: bytes) -> str:
    key_id, _, body = _split(token)
    key = keyring().keys.get(key_id)
    if key is None:
        raise DecryptionError(f"encryption key {key_id} is not configured")
    try:
        raw = base64.urlsafe_b64decode(body.encode())
        plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad)
    except Exception as exc:  # InvalidTag, bad base64, short input: all mean "not ours"
        raise DecryptionError("ciphertext does not verify") from exc
    return plain.decode()


def reencrypt(token: str, *, aad: bytes) -> str | None:
    """The token under the primary key, or None when it already uses it."""
    if key_id_of(token) == keyring().primary_id:
        return None
    return encrypt(decrypt(token, aad=aad), aad=aad)


# Apps that store secrets register a function that re-encrypts their rows under the
# primary key and returns how many changed; `manage.py rotate_encryption_keys` runs them all.
Rotator = Callable[[], int]
ROTATORS: dict[str, Rotator] = {}


def register_rotator(name: str, rotator: Rotator) -> None:
    ROTATORS[name] = rotator


def run_rotators(names: Iterable[str] | None = None) -> dict[str, int]:
    chosen = names or ROTATORS.keys()
    return {name: ROTATORS[name]() for name in chosen}
