"""The event registry fired end to end: billing events (fired by reconciliation later), new
sign-in from a new device (allauth login), factor changes (allauth MFA signals)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.core import mail
from django.test import Client

from billingone.notifications.models import Delivery, KnownDevice, Notification
from billingone.notifications.notify import notify
from billingone.testing.tasks import run_pending_tasks

CHROME_LINUX = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.mark.parametrize(
    ("event", "context", "subject"),
    [
        ("billing.missed_found", {"count": 4, "impact": "$312.00"}, "4 missed billing opportunities"),
        ("billing.drafts_ready", {"count": 1}, "1 invoice draft ready for review"),
    ],
)
def test_billing_events_reach_billing_staff_by_email_and_in_app(personas, event, context, subject):
    notify(event, personas.org_a, context)
    run_pending_tasks()
    finance = personas.member("finance")
    assert [m.to for m in mail.outbox] == [[finance.email]]  # email default: Finance only
    message = mail.outbox[0]
    assert message.subject == f"[BillingOne] {subject}"
    html = message.alternatives[0].content
    assert "Org A Networks" in html
    in_app = set(Notification.objects.filter(event=event).values_list("user__email", flat=True))
    assert in_app == {personas.member(r).email for r in ("owner", "admin", "finance")}
    assert not Delivery.objects.filter(user__in=[personas.member("engineer"), personas.bob]).exists()


def test_billing_links_point_at_the_organizations_pages(personas):
    notify("billing.missed_found", personas.org_a, {"count": 2})
    notify("billing.drafts_ready", personas.org_a, {"count": 2})
    run_pending_tasks()
    urls = set(Notification.objects.values_list("url", flat=True))
    assert urls == {"/org-a/missed-billing/", "/org-a/invoice-drafts/"}


def login(user, password, user_agent):
    response = Client(HTTP_USER_AGENT=user_agent).post(
        "/_allauth/app/v1/auth/login", {"email": user.email, "password": password}, content_type="application/json"
    )
    assert response.status_code == 200, response.content


def test_new_device_sign_in_is_noticed_and_always_emailed(personas, password):
    login(personas.bob, password, CHROME_LINUX)  # the account's first device: nothing to report
    assert not Delivery.objects.exists()
    login(personas.bob, password, CHROME_LINUX.replace("131.0", "132.0"))  # a browser update is not a new device
    assert not Delivery.objects.exists()
    login(personas.bob, password, SAFARI_IPHONE)
    run_pending_tasks()
    assert KnownDevice.objects.filter(user=personas.bob).count() == 2
    assert [m.to for m in mail.outbox] == [[personas.bob.email]]
    assert "Mobile Safari on iOS" in mail.outbox[0].subject
    assert "127.0.0.1" in mail.outbox[0].body
    item = Notification.objects.get(user=personas.bob)
    assert item.event == "security.new_device" and item.url == "/accounts/sessions/"
    login(personas.bob, password, SAFARI_IPHONE)  # known now
    assert Delivery.objects.filter(user=personas.bob).count() == 2


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [("webauthn", "YubiKey", "A passkey “YubiKey” was added"), ("totp", "", "An authenticator app (TOTP) was added")],
)
def test_factor_added_adds_an_in_app_item(personas, kind, name, expected):
    authenticator = SimpleNamespace(pk=12, type=kind, data={"name": name} if name else {})
    authenticator_added.send(sender=object, request=None, user=personas.bob, authenticator=authenticator)
    run_pending_tasks()
    item = Notification.objects.get(user=personas.bob)
    assert item.body.startswith(expected)
    assert item.url == "/accounts/2fa/"
    assert mail.outbox == []  # allauth sends the security email itself


def test_factor_removed_adds_an_in_app_item(personas):
    authenticator = SimpleNamespace(pk=None, type="webauthn", data={"name": "Old key"})
    authenticator_removed.send(sender=object, request=None, user=personas.bob, authenticator=authenticator)
    run_pending_tasks()
    assert Notification.objects.get(user=personas.bob).title == "Passkey removed"


def test_unknown_event_is_a_programming_error(personas):
    with pytest.raises(ValueError, match="Unknown notification event"):
        notify("billing.typo", personas.org_a, {})


def test_demo_seed_turns_on_sync_failures_and_registers_the_simulator_iphone(db, settings):
    from billingone.notifications.models import OrganizationNotificationPolicy, PushDevice
    from billingone.ops.demo import seed_demo

    settings.APNS_HOST = "127.0.0.1"
    organization = seed_demo()
    seed_demo()  # idempotent
    assert OrganizationNotificationPolicy.objects.get(organization=organization).sync_failures_enabled
    device = PushDevice.objects.get()
    assert device.user.email == "owner@demo.test" and device.platform == "apns"


def test_names_are_escaped_in_html_email_and_kept_on_one_subject_line(personas):
    org = personas.org_a
    org.name = "<b>Evil</b> & Co"
    org.save()
    notify("billing.drafts_ready", org, {"count": 2})
    notify("security.new_device", None, {"device": "Evil\r\nBcc: victim@example.test"}, users=[personas.bob])
    run_pending_tasks()
    drafts = next(m for m in mail.outbox if "drafts" in m.subject)
    html = drafts.alternatives[0].content
    assert "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in html and "<b>Evil</b>" not in html
    device = next(m for m in mail.outbox if "sign-in" in m.subject)
    assert "\n" not in device.subject and "\r" not in device.subject
    assert device.message()["Bcc"] is None
