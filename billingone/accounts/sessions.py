"""A user's live sessions, web cookies and app tokens alike (Sessions page, GET /me/sessions).

One query lists them: UserSession rows whose Django session still exists and has not expired,
the current one first, then the most recently active; pages are cut by the database. Rows of
ended sessions are swept in one statement at sign-in (purge_dead), not checked one by one.
"""

from __future__ import annotations

from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.db.models import Case, Exists, IntegerField, OuterRef, QuerySet, Value, When
from django.utils import timezone

from billingone.accounts.devices import APP_PATTERN, device_name
from billingone.lib.geo import locate

APP_KIND, WEB_KIND = "app", "web"
APP_PATH_PREFIX = "/_allauth/app/"


def _alive() -> Exists:
    return Exists(Session.objects.filter(session_key=OuterRef("session_key"), expire_date__gt=timezone.now()))


def live_sessions(user, current_key: str | None) -> QuerySet[UserSession]:
    """The user's sessions that can still be used, this one first, then by last activity."""
    this_one_first = Case(
        When(session_key=current_key or "", then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        UserSession.objects.filter(user_id=user.pk)
        .filter(_alive())
        .alias(this_one_first=this_one_first)
        .order_by("this_one_first", "-last_seen_at", "-pk")
    )


def purge_dead(user) -> int:
    """Forget the user's sessions that ended without us (expired, flushed): one DELETE."""
    deleted, _ = UserSession.objects.filter(user_id=user.pk).exclude(_alive()).delete()
    return deleted


def kind_of(tracked: UserSession) -> str:
    """App token or web cookie: recorded at sign-in; rows from before that guess by user agent."""
    kind = (tracked.data or {}).get("kind") if isinstance(tracked.data, dict) else None
    if kind in (APP_KIND, WEB_KIND):
        return kind
    return APP_KIND if APP_PATTERN.match(tracked.user_agent or "") else WEB_KIND


def session_row(tracked: UserSession, current_key: str | None) -> dict:
    current = tracked.session_key == current_key
    return {
        "id": tracked.pk,
        "kind": kind_of(tracked),
        "device": device_name(tracked.user_agent),
        "ip": tracked.ip,
        "location": locate(tracked.ip),
        "created_at": tracked.created_at,
        # This request is activity even when the row was written up to a minute ago.
        "last_active": timezone.now() if current else tracked.last_seen_at,
        "current": current,
    }


def record_sign_in(request) -> None:
    """At sign-in: sweep dead rows, then track this session, noting whether it is an app token.
    A session kept across the sign-in (same user) starts its timeouts afresh."""
    from billingone.accounts.activity import STATE_KEY

    request.session.pop(STATE_KEY, None)
    purge_dead(request.user)
    UserSession.objects.create_from_request(request)
    kind = APP_KIND if request.path.startswith(APP_PATH_PREFIX) else WEB_KIND
    UserSession.objects.filter(session_key=request.session.session_key).update(data={"kind": kind})


def install() -> None:
    """allauth's purge_and_list (its headless /auth/sessions and web sessions page) checks each
    session with three queries; answer it with one DELETE and one SELECT instead."""
    from allauth.usersessions.models import UserSessionManager

    if getattr(UserSessionManager.purge_and_list, "billingone_wrapped", False):
        return

    def purge_and_list(manager, user) -> list[UserSession]:
        purge_dead(user)
        return list(UserSession.objects.filter(user_id=user.pk).order_by("-last_seen_at", "-pk"))

    purge_and_list.billingone_wrapped = True
    UserSessionManager.purge_and_list = purge_and_list
