"""Real deliveries over sockets: SMTP (aiosmtpd), APNs (HTTP/2 simulator with JWT checks),
Web Push (HTTPS endpoint; the payload is decrypted with the subscriber's private key)."""

from __future__ import annotations

import json

import pytest

from billingone.notifications.conftest import fail_sync
from billingone.notifications.models import Delivery, Notification, PushDevice
from billingone.testing.tasks import run_pending_tasks

APNS_TOKEN = "a1" * 32


def register_apns(client_for, user, token: str = APNS_TOKEN):
    response = client_for(user).post(
        "/api/v1/me/push-devices",
        {"platform": "apns", "token": token, "name": "Alice's iPhone"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def register_webpush(client_for, user, service, subscriber, path: str = "/push/alice"):
    subscription = {"endpoint": service.url(path), "keys": {"p256dh": subscriber.p256dh, "auth": subscriber.auth_b64}}
    response = client_for(user).post(
        "/api/v1/me/push-devices",
        {"platform": "webpush", "token": json.dumps(subscription), "name": "Firefox"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_sync_failure_email_arrives_over_smtp_with_branding(personas, sync_failures_on, smtp_server):
    org = personas.org_a
    org.primary_color = "#7C3AED"
    org.save()
    fail_sync(org, run_id=41)
    assert smtp_server.messages == []  # notify() only queued work; nothing was sent in the caller
    run_pending_tasks()
    messages = smtp_server.wait_for(3)
    # Email defaults: Owner, Admin, Finance (not Engineer, not Viewer).
    recipients = sorted(m["X-RcptTo"] for m in messages)
    assert recipients == sorted(personas.member(r).email for r in ("owner", "admin", "finance"))
    message = next(m for m in messages if m["X-RcptTo"] == personas.alice.email)
    assert message["Subject"] == "[BillingOne] Xero sync failed"
    parts = {p.get_content_type(): p.get_payload(decode=True).decode() for p in message.walk() if not p.is_multipart()}
    assert "Xero said: token expired" in parts["text/plain"]
    assert "http://localhost:8000/org-a/settings/integrations/" in parts["text/plain"]
    assert "background:#7C3AED" in parts["text/html"]
    assert 'href="http://localhost:8000/org-a/settings/integrations/"' in parts["text/html"]
    assert Delivery.objects.filter(channel="email", status="sent").count() == 3


def test_apns_push_reaches_the_simulator_with_a_valid_jwt(personas, sync_failures_on, client_for, apns):
    register_apns(client_for, personas.alice)
    fail_sync(personas.org_a, run_id=7)
    run_pending_tasks()
    assert len(apns.received) == 1
    push = apns.received[0]
    assert push.token == APNS_TOKEN
    assert push.jwt_claims["iss"] == "TEAM123456"
    assert push.headers["apns-topic"] == "dev.billingone.mobile"
    assert push.headers["apns-push-type"] == "alert"
    assert push.payload["aps"]["alert"]["title"] == "Xero sync failed"
    assert push.payload["path"] == "/org-a/settings/integrations/"
    assert push.payload["url"] == "http://localhost:8000/org-a/settings/integrations/"
    assert PushDevice.objects.get(user=personas.alice).last_used_at is not None


def test_apns_rejects_a_token_signed_with_another_key(personas, sync_failures_on, client_for, apns, settings):
    from simulators.apns import new_signing_key

    settings.APNS_PRIVATE_KEY = new_signing_key()[0]  # not the key the simulator trusts
    register_apns(client_for, personas.alice)
    fail_sync(personas.org_a)
    run_pending_tasks()
    assert apns.received == []
    delivery = Delivery.objects.get(channel="push")
    assert delivery.status == "failed"
    assert "InvalidProviderToken" in delivery.last_error
    assert delivery.attempts == 4  # first try + 3 retries


def test_webpush_delivers_an_encrypted_payload(personas, sync_failures_on, client_for, webpush_service, subscriber):
    register_webpush(client_for, personas.alice, webpush_service, subscriber)
    fail_sync(personas.org_a)
    run_pending_tasks()
    assert len(webpush_service.received) == 1
    request = webpush_service.received[0]
    assert request.headers["content-encoding"] == "aes128gcm"
    assert request.headers["authorization"].startswith("vapid t=")
    assert b"Xero" not in request.body  # encrypted on the wire
    message = json.loads(subscriber.decrypt(request.body))
    assert message["title"] == "Xero sync failed"
    assert message["url"] == "http://localhost:8000/org-a/settings/integrations/"


def test_tokens_reported_gone_are_removed(personas, sync_failures_on, client_for, apns, webpush_service, subscriber):
    register_apns(client_for, personas.alice)
    register_webpush(client_for, personas.alice, webpush_service, subscriber, path="/push/old")
    apns.gone_tokens.add(APNS_TOKEN)
    webpush_service.gone_paths.add("/push/old")
    fail_sync(personas.org_a)
    run_pending_tasks()
    assert not PushDevice.objects.filter(user=personas.alice).exists()
    assert set(Delivery.objects.filter(channel="push").values_list("status", flat=True)) == {"dropped"}
    # The other channels were unaffected.
    assert Notification.objects.filter(user=personas.alice).count() == 1


def test_failing_channel_is_retried_without_duplicating_others(
    personas, sync_failures_on, client_for, apns, smtp_server
):
    register_apns(client_for, personas.alice)
    apns.fail_next = 2  # APNs answers 503 twice, then accepts
    fail_sync(personas.org_a)
    run_pending_tasks()
    push = Delivery.objects.get(channel="push", user=personas.alice)
    assert push.status == "sent" and push.attempts == 3
    assert len(apns.received) == 1
    alice_mail = [m for m in smtp_server.wait_for(3) if m["X-RcptTo"] == personas.alice.email]
    assert len(alice_mail) == 1
    assert Notification.objects.filter(user=personas.alice).count() == 1
    email = Delivery.objects.get(channel="email", user=personas.alice)
    assert email.attempts == 1


def test_smtp_outage_is_retried_then_marked_failed(personas, sync_failures_on, settings):
    from billingone.notifications.conftest import free_port

    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "use_tls": False, "timeout": 2},
        }
    }
    fail_sync(personas.org_a)
    run_pending_tasks()
    emails = Delivery.objects.filter(channel="email")
    assert {d.status for d in emails} == {"failed"}
    assert {d.attempts for d in emails} == {4}
    assert all(d.last_error == "ConnectionRefusedError" for d in emails)
    # In-app items were delivered once each despite the mail outage.
    assert Notification.objects.filter(organization=personas.org_a).count() == 4


@pytest.mark.parametrize("platform", ["apns", "webpush"])
def test_push_without_configuration_fails_cleanly(
    personas, sync_failures_on, client_for, settings, platform, tls_files
):
    from billingone.notifications.models import PushDevice as Device

    Device.objects.create(
        user=personas.alice,
        platform=platform,
        token=APNS_TOKEN if platform == "apns" else "https://fcm.googleapis.com/fcm/send/x",
        p256dh="",
        auth="",
    )
    settings.APNS_KEY_ID = ""
    settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    fail_sync(personas.org_a)
    run_pending_tasks()
    delivery = Delivery.objects.get(channel="push")
    assert delivery.status == "failed" and delivery.attempts == 1
    assert "not configured" in delivery.last_error


def test_no_tokens_or_keys_in_logs_or_audit(
    personas, sync_failures_on, client_for, apns, webpush_service, subscriber, settings, caplog
):
    import logging

    from billingone.audit.models import AuditEvent
    from billingone.notifications.channels.push import apns_tokens

    caplog.set_level(logging.DEBUG)
    register_apns(client_for, personas.alice)
    register_webpush(client_for, personas.alice, webpush_service, subscriber)
    apns.gone_tokens.add(APNS_TOKEN)  # the removal path logs too
    fail_sync(personas.org_a)
    run_pending_tasks()
    jwt = apns_tokens.get(settings.APNS_KEY_ID, settings.APNS_TEAM_ID, settings.APNS_PRIVATE_KEY)
    secrets = [APNS_TOKEN, subscriber.auth_b64, subscriber.p256dh, jwt, settings.WEBPUSH_VAPID_PRIVATE_KEY]
    logged = caplog.text + "".join(str(record.__dict__) for record in caplog.records)
    audit = json.dumps(list(AuditEvent.objects.values("data", "changes", "target_label")))
    for secret in secrets:
        assert secret not in logged
        assert secret not in audit
    assert len(webpush_service.received) == 1  # the run did deliver


def test_a_delivery_whose_task_was_lost_is_requeued_once(personas, sync_failures_on, smtp_server):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from billingone.notifications.tasks import requeue_stuck_deliveries

    fail_sync(personas.org_a)
    assert requeue_stuck_deliveries.call() == 0  # queued tasks are in flight, nothing to do
    # A worker died mid-run long ago: its tasks are RUNNING for ever, the deliveries pending.
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now() - timedelta(hours=2))
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        requeued = requeue_stuck_deliveries.call()
        assert requeued == Delivery.objects.count()
        assert requeue_stuck_deliveries.call() == 0  # the new tasks are in flight now
    run_pending_tasks()
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert len(smtp_server.wait_for(3)) == 3
