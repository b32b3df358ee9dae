"""Branded emails: every organization email carries its logo and colours.

`send_branded_email(organization, to=[...], subject=..., template="email/invitation", context={})`
renders `<template>.txt` and `<template>.html`; the HTML one extends `email/base.html`, which
places the organization's logo and colours. Everything is auto-escaped, and the colours are
re-checked as #RRGGBB here, because email clients only honour inline styles and an unchecked
value there could inject CSS (SECURITY.md #33).
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from billingone.orgs.branding import css_variables


def brand_context(organization) -> dict:
    colors = css_variables(organization)
    logo_url = f"{settings.SITE_URL}{organization.logo.url}" if organization and organization.logo else ""
    return {
        "organization": organization,
        "org_name": organization.name if organization else "BillingOne",
        "logo_url": logo_url,
        "primary": colors["--brand-primary"],
        "on_primary": colors["--brand-on-primary"],
        "accent": colors["--brand-accent"],
        "link": colors["--brand-link"],
        "site_url": settings.SITE_URL,
    }


def render_branded_email(organization, *, subject: str, template: str, context: dict) -> tuple[str, str]:
    """(text, html) bodies of a branded email."""
    full = {**brand_context(organization), **context, "subject": subject}
    text = render_to_string(f"{template}.txt", full)
    html = render_to_string(f"{template}.html", full)
    return text, html


def send_branded_email(organization, *, to: list[str], subject: str, template: str, context: dict) -> None:
    """Send one multipart (text + HTML) email in the organization's branding."""
    text, html = render_branded_email(organization, subject=subject, template=template, context=context)
    subject_line = " ".join(f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}".split())  # no header injection
    message = EmailMultiAlternatives(subject_line, text, settings.DEFAULT_FROM_EMAIL, to)
    message.attach_alternative(html, "text/html")
    message.send()
