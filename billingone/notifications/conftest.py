"""Fixtures for notifications: real servers on sockets (SMTP, APNs, Web Push) and helpers."""

from __future__ import annotations

import base64
import os
import socket
import time
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from billingone.notifications.channels.push import apns_tokens
from simulators.apns import ApnsSimulator, new_signing_key
from simulators.tls import self_signed
from simulators.webpush import WebPushService


@pytest.fixture(autouse=True)
def _worker_keeps_the_test_connection(monkeypatch):
    # db_worker calls close_old_connections() between tasks; inside a test transaction that
    # closes the PostgreSQL connection (autocommit differs from the settings). The real worker
    # runs in its own process, so this only concerns run_pending_tasks() in tests.
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


@pytest.fixture(autouse=True)
def _no_retry_wait(settings):
    # Retries are immediate in tests so run_pending_tasks() sees them.
    settings.NOTIFICATION_RETRY_DELAYS = [0, 0, 0]
    apns_tokens.reset()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Mailbox:
    messages: list

    def wait_for(self, count: int, timeout: float = 5.0) -> list:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd); MAILERS points Django's SMTP backend at it."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    mailbox = Mailbox([])

    class Collect(Message):
        def handle_message(self, message):
            mailbox.messages.append(message)

    port = free_port()
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": 5},
        }
    }
    yield mailbox
    controller.stop()


@pytest.fixture
def tls_files(tmp_path):
    return self_signed(tmp_path / "tls")


@pytest.fixture
def apns(settings, tls_files):
    """The APNs simulator, with BillingOne configured to use it (token auth, our CA)."""
    private, public = new_signing_key()
    simulator = ApnsSimulator(
        team_id="TEAM123456",
        key_id="KEY1234567",
        public_key_pem=public,
        topic="dev.billingone.mobile",
        certfile=tls_files.cert,
        keyfile=tls_files.key,
    ).start()
    settings.APNS_HOST, settings.APNS_PORT = "127.0.0.1", simulator.port
    settings.APNS_TEAM_ID, settings.APNS_KEY_ID = "TEAM123456", "KEY1234567"
    settings.APNS_TOPIC, settings.APNS_PRIVATE_KEY = "dev.billingone.mobile", private
    settings.PUSH_CA_FILE = tls_files.cert
    yield simulator
    simulator.stop()


@dataclass
class Subscriber:
    """A browser's side of a Web Push subscription: its key pair and auth secret."""

    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def p256dh(self) -> str:
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    @property
    def auth_b64(self) -> str:
        return base64.urlsafe_b64encode(self.auth).rstrip(b"=").decode()

    def decrypt(self, body: bytes) -> bytes:
        import http_ece

        return http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm")


@pytest.fixture
def webpush_service(settings, tls_files):
    service = WebPushService(certfile=tls_files.cert, keyfile=tls_files.key).start()
    settings.WEBPUSH_ALLOWED_HOSTS = [*settings.WEBPUSH_ALLOWED_HOSTS, f"127.0.0.1:{service.port}"]
    settings.PUSH_CA_FILE = tls_files.cert
    yield service
    service.stop()


@pytest.fixture
def subscriber():
    return Subscriber(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))


@pytest.fixture
def sync_failures_on(personas):
    from billingone.notifications.models import OrganizationNotificationPolicy

    OrganizationNotificationPolicy.objects.update_or_create(
        organization=personas.org_a, defaults={"sync_failures_enabled": True}
    )
    return personas.org_a


@dataclass
class StandInRun:
    """What the integration engine passes as `run`: only its pk is read."""

    pk: int


def fail_sync(organization, provider: str = "xero", run_id: int = 1, message: str = "Xero said: token expired"):
    from billingone.integrations.signals import sync_run_failed

    sync_run_failed.send(
        sender=StandInRun,
        run=StandInRun(run_id),
        organization=organization,
        provider=provider,
        permanent=False,
        message=message,
    )
