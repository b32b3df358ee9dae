"""The header's unread count (computed only when a template asks for it, once per request)."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject


def request_unread_count(request) -> int:
    """The signed-in user's unread count, counted at most once per request (bell and feed share it)."""
    if not hasattr(request, "_notifications_unread"):
        from billingone.notifications.flows import unread_count

        request._notifications_unread = unread_count(request.user)
    return request._notifications_unread


def notifications(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notifications_unread": SimpleLazyObject(lambda: request_unread_count(request))}
