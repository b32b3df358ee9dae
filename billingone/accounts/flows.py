"""Account flows shared by the web pages and the API."""

from __future__ import annotations

from allauth.usersessions.models import UserSession
from django.contrib.auth import logout
from django.db import transaction
from django.http import Http404, HttpRequest

from billingone.accounts import signouts
from billingone.accounts.devices import device_name
from billingone.accounts.models import User
from billingone.audit.log import diff, record
from billingone.lib.images import clean_image

AVATAR_SIZE = (256, 256)
AVATAR_MAX_BYTES = 1024 * 1024  # 1 MB
AVATAR_MAX_PIXELS = 4096 * 4096


@transaction.atomic
def update_profile(user: User, *, name: str, request: HttpRequest | None = None) -> User:
    # Read the stored value: a bound ModelForm has already copied the new one onto `user`.
    before = User.objects.filter(pk=user.pk).values("name").get()
    user.name = name.strip()
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


def revoke_session(request: HttpRequest, session_id: int) -> None:
    """End one of the signed-in user's other sessions; someone else's id is a 404."""
    tracked = UserSession.objects.filter(pk=session_id, user_id=request.user.pk).first()
    if tracked is None:
        raise Http404("No such session")
    current = tracked.session_key == request.session.session_key
    label = f"{device_name(tracked.user_agent)} · {tracked.ip}"
    record("session.revoke", request=request, target=request.user, data={"session": label, "current": current})
    if current:
        logout(request)  # flushes this session properly instead of pulling it from under the request
        tracked.delete()
    else:
        signouts.remember([tracked.session_key], "revoked")
        tracked.end()


def revoke_other_sessions(request: HttpRequest) -> int:
    others = UserSession.objects.filter(user_id=request.user.pk).exclude(session_key=request.session.session_key)
    count = 0
    for tracked in others:
        signouts.remember([tracked.session_key], "revoked")
        tracked.end()
        count += 1
    record("session.revoke_others", request=request, target=request.user, data={"count": count})
    return count
