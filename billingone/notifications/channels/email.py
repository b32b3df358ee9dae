"""Email channel: text + HTML, in the organization's colours and logo, via Django's mailer
(SMTP in production). Security notices without an organization use BillingOne's colours."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from billingone.notifications.channels.errors import PermanentDeliveryError
from billingone.notifications.events import get_event
from billingone.notifications.models import Delivery
from billingone.notifications.rendering import absolute_url
from billingone.orgs.branding import css_variables


def branding(organization) -> dict[str, str]:
    colors = css_variables(organization)
    logo = organization.logo if organization is not None else None
    return {
        "name": organization.name if organization is not None else "BillingOne",
        "primary": colors["--brand-primary"],
        "on_primary": colors["--brand-on-primary"],
        "accent": colors["--brand-accent"],
        "on_accent": colors["--brand-on-accent"],
        "logo_url": absolute_url(logo.url) if logo else "",
    }


def build_message(delivery: Delivery) -> EmailMultiAlternatives:
    event = get_event(delivery.event)
    payload = delivery.payload
    context = {
        **payload.get("context", {}),
        "title": payload.get("title", ""),
        "body": payload.get("body", ""),
        "action_url": absolute_url(payload.get("url", "/")),
        "brand": branding(delivery.organization),
        "organization": delivery.organization,
        "recipient": delivery.user,
        "event": event,
        "preferences_url": absolute_url(_preferences_path(delivery)),
    }
    name = event.template_name
    text = render_to_string(f"email/notifications/{name}.txt", context)
    html = render_to_string(f"email/notifications/{name}.html", context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + payload.get("title", event.label)
    message = EmailMultiAlternatives(
        subject=subject.replace("\n", " ")[:250],
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
