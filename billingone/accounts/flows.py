"""Account flows shared by the web pages and the API."""

from __future__ import annotations

import time
from types import SimpleNamespace

from allauth.account import app_settings as account_settings
from allauth.account.internal.flows.login import get_authentication_records
from allauth.usersessions.models import UserSession
from django.contrib.auth import logout
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import Http404, HttpRequest

from billingone.accounts import signouts
from billingone.accounts.devices import device_name
from billingone.accounts.models import User
from billingone.accounts.names import check_name
from billingone.audit.log import diff, record
from billingone.lib.images import clean_image

AVATAR_SIZE = (256, 256)
AVATAR_MAX_BYTES = 1024 * 1024  # 1 MB
AVATAR_MAX_PIXELS = 4096 * 4096


@transaction.atomic
def update_profile(user: User, *, name: str, request: HttpRequest | None = None) -> User:
    # Read the stored value: a bound ModelForm has already copied the new one onto `user`.
    before = User.objects.filter(pk=user.pk).values("name").get()
    user.name = check_name(name)
    user.full_clean(validate_unique=False)
    user.save(update_fields=["name"])
    changes = diff(before, {"name": user.name})
    if changes:
        record(
            "user.profile_update",
            organization=getattr(request, "organization", None),
            request=request,
            actor=user,
            target=user,
            changes=changes,
        )
    return user


@transaction.atomic
def update_avatar(user: User, upload, *, request: HttpRequest | None = None) -> User:
    """Validate and re-encode the upload (lib/images.py raises ImageRejected), then swap files."""
    png = clean_image(upload, max_bytes=AVATAR_MAX_BYTES, max_pixels=AVATAR_MAX_PIXELS, size=AVATAR_SIZE, crop=True)
    old = user.avatar.name if user.avatar else ""
    user.avatar.save("avatar.png", png, save=False)
    user.save(update_fields=["avatar"])
    if old:
        transaction.on_commit(lambda: user.avatar.storage.delete(old))
    record("user.avatar_update", request=request, actor=user, target=user)
    return user


@transaction.atomic
def remove_avatar(user: User, *, request: HttpRequest | None = None) -> User:
    if not user.avatar:
        return user
    old = user.avatar.name
    user.avatar = ""
    user.save(update_fields=["avatar"])
    transaction.on_commit(lambda: user.avatar.storage.delete(old))
    record("user.avatar_remove", request=request, actor=user, target=user)
    return user


def revoke_session(request: HttpRequest, session_id: int, *, current_key: str | None = None) -> bool:
    """End one of the signed-in user's sessions (its next request is signed out); someone else's
    id is a 404. `current_key` is the caller's own session (default: the web cookie's). True
    when the caller ended its own session."""
    tracked = UserSession.objects.filter(pk=session_id, user_id=request.user.pk).first()
    if tracked is None:
        raise Http404("No such session")
    current = tracked.session_key == (current_key or request.session.session_key)
    label = f"{device_name(tracked.user_agent)} · {tracked.ip}"
    record("session.revoke", request=request, target=request.user, data={"session": label, "current": current})
    if current and tracked.session_key == request.session.session_key:
        logout(request)  # flushes this session properly instead of pulling it from under the request
        tracked.delete()
    else:
        signouts.remember([tracked.session_key], "revoked")
        tracked.end()
    return current


def recently_authenticated(session: SessionBase, user) -> bool:
    """Signed in or re-authenticated within ACCOUNT_REAUTHENTICATION_TIMEOUT (300 s) in this
    session (a web cookie's, or an app token's)."""
    records = get_authentication_records(SimpleNamespace(session=session), user)
    last = max((entry.get("at", 0) for entry in records), default=0)
    return time.time() - last <= account_settings.REAUTHENTICATION_TIMEOUT


def revoke_other_sessions(request: HttpRequest) -> int:
    """End every other session of the user: two statements, whatever their number."""
    others = UserSession.objects.filter(user_id=request.user.pk).exclude(session_key=request.session.session_key)
    signouts.remember(others.values_list("session_key", flat=True), "revoked")
    with transaction.atomic():
        Session.objects.filter(session_key__in=others.values("session_key")).delete()
        count, _ = others.delete()
    record("session.revoke_others", request=request, target=request.user, data={"count": count})
    return count
