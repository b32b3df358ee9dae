"""Email channel: text + HTML in the organization's branding (orgs/emails.py), via
Django's mailer (SMTP in production). Security notices without an organization use BillingOne's."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from billingone.notifications.channels.errors import PermanentDeliveryError
from billingone.notifications.events import get_event
from billingone.notifications.models import Delivery
from billingone.notifications.rendering import absolute_url
from billingone.orgs.emails import render_branded_email


def build_message(delivery: Delivery) -> EmailMultiAlternatives:
    event = get_event(delivery.event)
    payload = delivery.payload
    title = payload.get("title", event.label)
    context = {
        **payload.get("context", {}),
        "title": title,
        "body": payload.get("body", ""),
        "action_url": absolute_url(payload.get("url", "/")),
        "recipient": delivery.user,
        "event": event,
        "preferences_url": absolute_url(_preferences_path(delivery)),
    }
    # The branded email: the organization's logo and colours (BillingOne's without one).
    text, html = render_branded_email(
        delivery.organization, subject=title, template=f"email/notifications/{event.template_name}", context=context
    )
    subject = " ".join(f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{title}".split())[:250]  # no header injection
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[delivery.user.email],
        headers={"Auto-Submitted": "auto-generated", "X-BillingOne-Event": event.key},
    )
    message.attach_alternative(html, "text/html")
    return message


def _preferences_path(delivery: Delivery) -> str:
    organization = delivery.organization or delivery.user.last_organization
    return f"/{organization.slug}/settings/notifications/" if organization else "/"


def send(delivery: Delivery) -> None:
    message = build_message(delivery)
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentDeliveryError("The mail server refused the recipient address.") from exc
