"""Why an app token stopped working: revoked (signed out, ended from another device, member removed)
or expired (idle or absolute timeout). The session row is gone by then, so the reason is kept in the
shared cache under a hash of the key, long enough for the app to ask once more and tell the person."""

from __future__ import annotations

import hashlib

from django.core.cache import cache

REVOKED, EXPIRED = "revoked", "expired"
REMEMBER_SECONDS = 30 * 24 * 3600


def _cache_key(session_key: str) -> str:
    return "ended-session:" + hashlib.sha256(session_key.encode()).hexdigest()


def remember(session_key: str | None, reason: str) -> None:
    """Keep the first reason given: a timeout is recorded before the row's deletion says "revoked"."""
    if session_key:
        cache.add(_cache_key(session_key), reason, REMEMBER_SECONDS)


def reason_ended(session_key: str) -> str | None:
    return cache.get(_cache_key(session_key))


def on_user_session_deleted(sender, instance, **kwargs) -> None:
    remember(instance.session_key, REVOKED)
