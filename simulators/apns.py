"""An APNs provider API simulator: HTTP/2 over TLS, token-based (ES256 JWT) authentication.

It answers like api.push.apple.com: 200 with an apns-id, 403 InvalidProviderToken /
ExpiredProviderToken, 400 BadDeviceToken / MissingTopic / BadTopic, 410 Unregistered for
tokens marked gone, 503 when told to fail. Received notifications are kept in `received`.

    python -m simulators.apns --port 8790 --dir var/apns-sim   # `make run` starts it (simulators/__init__.py)
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import socket
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import h2.config
import h2.connection
import h2.events
import h2.exceptions
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

DEVICE_PATH = re.compile(r"^/3/device/([0-9a-fA-F]{64,200})$")


def _b64decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


@dataclass
class Received:
    token: str
    headers: dict[str, str]
    payload: dict
    jwt_claims: dict


@dataclass
class ApnsSimulator:
    team_id: str
    key_id: str
    public_key_pem: str
    topic: str
    certfile: str
    keyfile: str
    host: str = "127.0.0.1"
    port: int = 0
    received: list[Received] = field(default_factory=list)
    gone_tokens: set[str] = field(default_factory=set)
    fail_next: int = 0  # answer 503 to this many requests

    def start(self) -> ApnsSimulator:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.certfile, self.keyfile)
        context.set_alpn_protocols(["h2"])
        self._context = context
        self._socket = socket.create_server((self.host, self.port))
        self.port = self._socket.getsockname()[1]
        self._stopping = False
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopping = True
        self._socket.close()

    def _accept(self) -> None:
        while not self._stopping:
            try:
                raw, _ = self._socket.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw: socket.socket) -> None:
        try:
            sock = self._context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()
            return
        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        conn.initiate_connection()
        sock.sendall(conn.data_to_send())
        streams: dict[int, dict] = {}
        try:
            while data := sock.recv(65535):
                for event in conn.receive_data(data):
                    self._on_event(conn, event, streams)
                sock.sendall(conn.data_to_send())
        except (OSError, h2.exceptions.ProtocolError):
            pass
        finally:
            sock.close()

    def _on_event(self, conn, event, streams: dict[int, dict]) -> None:
        if isinstance(event, h2.events.RequestReceived):
            streams[event.stream_id] = {"headers": dict(event.headers), "body": b""}
        elif isinstance(event, h2.events.DataReceived):
            streams[event.stream_id]["body"] += event.data
            conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        elif isinstance(event, h2.events.StreamEnded):
            request = streams.pop(event.stream_id)
            status, body = self.handle(request["headers"], request["body"])
            headers = [(":status", str(status)), ("apns-id", str(uuid.uuid4()).upper())]
            payload = json.dumps(body).encode() if body else b""
            if payload:
                headers += [("content-type", "application/json"), ("content-length", str(len(payload)))]
            conn.send_headers(event.stream_id, headers, end_stream=not payload)
            if payload:
                conn.send_data(event.stream_id, payload, end_stream=True)

    def verify_jwt(self, authorization: str) -> dict:
        """The provider token's claims, or raise ValueError with APNs' reason."""
        if not authorization.lower().startswith("bearer "):
            raise ValueError("MissingProviderToken")
        try:
            header_b64, claims_b64, signature_b64 = authorization[7:].split(".")
            header, claims = json.loads(_b64decode(header_b64)), json.loads(_b64decode(claims_b64))
            signature = _b64decode(signature_b64)
        except ValueError:
            raise ValueError("InvalidProviderToken") from None
        if header.get("alg") != "ES256" or header.get("kid") != self.key_id or claims.get("iss") != self.team_id:
            raise ValueError("InvalidProviderToken")
        key = serialization.load_pem_public_key(self.public_key_pem.encode())
        der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
        try:
            key.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise ValueError("InvalidProviderToken") from None
        if not isinstance(claims.get("iat"), int) or time.time() - claims["iat"] > 3600:
            raise ValueError("ExpiredProviderToken")
        return claims

    def handle(self, headers: dict[str, str], body: bytes) -> tuple[int, dict | None]:
        if headers.get(":method") != "POST":
            return 405, {"reason": "MethodNotAllowed"}
        match = DEVICE_PATH.match(headers.get(":path", ""))
        if not match:
            return 400, {"reason": "BadDeviceToken"}
        try:
            claims = self.verify_jwt(headers.get("authorization", ""))
        except ValueError as exc:
            return 403, {"reason": str(exc)}
        if not headers.get("apns-topic"):
            return 400, {"reason": "MissingTopic"}
        if headers["apns-topic"] != self.topic:
            return 400, {"reason": "BadTopic"}
        if self.fail_next > 0:
            self.fail_next -= 1
            return 503, {"reason": "ServiceUnavailable"}
        token = match.group(1).lower()
        if token in self.gone_tokens:
            return 410, {"reason": "Unregistered", "timestamp": int(time.time() * 1000)}
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return 400, {"reason": "PayloadEmpty"}
        self.received.append(Received(token, headers, payload, claims))
        return 200, None


def new_signing_key() -> tuple[str, str]:
    """(private PEM for BillingOne, public PEM for the simulator): a stand-in for a .p8 key."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


DEV_TEAM_ID, DEV_KEY_ID, DEV_TOPIC = "TEAM123456", "KEY1234567", "dev.billingone.mobile"


def dev_files(directory: Path) -> tuple[str, str, str, str]:
    """(p8 key, public key, cert, cert key) under `directory`, created once and then reused, so
    a restarted simulator still trusts the key BillingOne signs with."""
    from simulators.tls import self_signed

    directory.mkdir(parents=True, exist_ok=True)
    key_file, cert_file = directory / "AuthKey.p8", directory / "apns.crt"
    if not key_file.exists():
        private, _ = new_signing_key()
        key_file.write_text(private)
    if not cert_file.exists():
        self_signed(directory, "apns")
    private_key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    public = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return str(key_file), public.decode(), str(cert_file), str(directory / "apns.key")


def main() -> None:  # pragma: no cover - the dev runner's process
    parser = argparse.ArgumentParser(description="APNs provider API simulator (HTTP/2, TLS, ES256 tokens)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--dir", default="var/apns-sim")
    args = parser.parse_args()
    key_file, public, cert, cert_key = dev_files(Path(args.dir))
    sim = ApnsSimulator(DEV_TEAM_ID, DEV_KEY_ID, public, DEV_TOPIC, cert, cert_key, host=args.host, port=args.port)
    sim.start()
    print(f"APNs simulator on https://{args.host}:{sim.port} (APNS_PRIVATE_KEY_FILE={key_file}, PUSH_CA_FILE={cert})")
    try:
        while True:
            time.sleep(1)
            while sim.received:
                item = sim.received.pop(0)
                print(json.dumps({"apns_push": {"token": item.token[:8] + "…", "payload": item.payload}}), flush=True)
    except KeyboardInterrupt:
        sim.stop()


if __name__ == "__main__":
    main()
