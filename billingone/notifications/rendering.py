"""Turning an event and its context into the words and link every channel shares."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template import engines

from billingone.notifications.events import NotificationEvent


def _render(source: str, context: dict[str, Any]) -> str:
    # Plain text for in-app, push and subject lines; HTML escaping happens where HTML is made.
    template = engines["django"].from_string("{% autoescape off %}" + source + "{% endautoescape %}")
    return " ".join(template.render(context).split())


def message_context(organization, context: dict[str, Any]) -> dict[str, Any]:
    base = {
        "organization_name": organization.name if organization else "",
        "slug": organization.slug if organization else "",
    }
    return {**base, **context}


def render_message(event: NotificationEvent, organization, context: dict[str, Any]) -> dict[str, str]:
    values = message_context(organization, context)
    return {
        "title": _render(event.title, values)[:200],
        "body": _render(event.body, values)[:1000],
        "url": _render(event.link, values)[:500],
    }


def absolute_url(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL + path
