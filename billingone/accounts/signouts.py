"""Why a device was signed out, told on its next visit.

A session ended from elsewhere (revoked under Settings → Sessions, or dropped by a password
change) simply vanishes: the device's next request is anonymous and lands on the sign-in page.
`remember()` notes the reason under a hash of the session key in the shared cache, for as long
as the session could have lived; `explain()` finds it from the stale cookie, once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache

REASONS = {
    "revoked": "You were signed out of this device from another one (Settings → Sessions). Sign in again to continue.",
    "password_changed": "Your password was changed, so this device was signed out. Sign in with the new password.",
}


def _key(session_key: str) -> str:
    return "signed-out:" + hashlib.sha256(session_key.encode()).hexdigest()


def remember(session_keys: Iterable[str], reason: str) -> None:
    assert reason in REASONS
    cache.set_many({_key(key): reason for key in session_keys if key}, timeout=settings.SESSION_COOKIE_AGE)


def explain(request) -> str | None:
    """The reason this anonymous request's stale session cookie was signed out, if known."""
    stale = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not stale or request.session.session_key:
        return None
    reason = cache.get(_key(stale))
    if reason is None:
        return None
    cache.delete(_key(stale))
    return REASONS[reason]
