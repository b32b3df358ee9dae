"""A small software WebAuthn authenticator for tests (fido2 2.x ships none).

It answers the JSON options allauth produces (web `js_data.creation_options`, headless
`creation_options` / `request_options`) with the JSON a browser would send back:
attestation "none" on registration, ES256 (P-256) assertions on sign-in. Credentials are
resident (they remember the user handle), user presence and verification are asserted.

    authenticator = SoftAuthenticator(rp_id="localhost", origin="http://localhost")
    credential = authenticator.create(creation_options)   # POST as "credential"
    assertion = authenticator.get(request_options)         # POST as "credential"
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2 import cbor

FLAG_UP, FLAG_UV, FLAG_BE, FLAG_BS, FLAG_AT = 0x01, 0x04, 0x08, 0x10, 0x40
AAGUID = bytes(16)  # "none" attestation: all zeros


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _public_options(options: dict) -> dict:
    return options.get("publicKey", options)


@dataclass
class Credential:
    credential_id: bytes
    private_key: ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: bytes
    sign_count: int = 0


@dataclass
class SoftAuthenticator:
    rp_id: str = "localhost"
    origin: str = "http://localhost"
    user_verified: bool = True
    credentials: list[Credential] = field(default_factory=list)

    def _client_data(self, kind: str, challenge: str) -> bytes:
        data = {"type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": False}
        return json.dumps(data, separators=(",", ":")).encode()

    def _flags(self, extra: int = 0) -> int:
        return FLAG_UP | (FLAG_UV if self.user_verified else 0) | FLAG_BE | FLAG_BS | extra

    def _cose_key(self, key: ec.EllipticCurvePrivateKey) -> bytes:
        numbers = key.public_key().public_numbers()
        return cbor.encode({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    def create(self, options: dict, *, rp_id: str | None = None) -> dict:
        """Register a new credential: the PublicKeyCredential JSON for `options`."""
        public = _public_options(options)
        rp_id = rp_id or public.get("rp", {}).get("id") or self.rp_id
        key = ec.generate_private_key(ec.SECP256R1())
        credential = Credential(os.urandom(32), key, rp_id, unb64url(public["user"]["id"]))
        self.credentials.append(credential)
        attested = AAGUID + struct.pack(">H", len(credential.credential_id)) + credential.credential_id
        auth_data = (
            hashlib.sha256(rp_id.encode()).digest()
            + bytes([self._flags(FLAG_AT)])
            + struct.pack(">I", 0)
            + attested
            + self._cose_key(key)
        )
        attestation = cbor.encode({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", public["challenge"])
        return {
            "id": b64url(credential.credential_id),
            "rawId": b64url(credential.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {"credProps": {"rk": True}},
        }

    def get(self, options: dict, *, credential: Credential | None = None) -> dict:
        """Sign in: an assertion over `options` with the first matching (or given) credential."""
        public = _public_options(options)
        rp_id = public.get("rpId") or self.rp_id
        credential = credential or self._find(rp_id, public.get("allowCredentials") or [])
        credential.sign_count += 1
        auth_data = (
            hashlib.sha256(credential.rp_id.encode()).digest()
            + bytes([self._flags()])
            + struct.pack(">I", credential.sign_count)
        )
        client_data = self._client_data("webauthn.get", public["challenge"])
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = credential.private_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64url(credential.credential_id),
            "rawId": b64url(credential.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": b64url(credential.user_handle),
            },
            "clientExtensionResults": {},
        }

    def _find(self, rp_id: str, allowed: list[dict]) -> Credential:
        allowed_ids = {unb64url(item["id"]) for item in allowed}
        for credential in reversed(self.credentials):
            if credential.rp_id == rp_id and (not allowed_ids or credential.credential_id in allowed_ids):
                return credential
        raise LookupError(f"no credential for {rp_id}")
