"""Session activity and the policy facts its checks need, kept in the session itself.

Every signed-in request (web cookie or app token) needs: when the session was last active and
when it began (idle and absolute timeouts), the strictest idle limit of the user's
organizations and whether an organization requires an MFA factor the user lacks. Reading
those from the database each time cost five statements and a write per request. Instead:

- the facts live in the session's own data (loaded anyway), under STATE_KEY;
- the policy facts carry the user's `session_policy_version`, which is bumped when a policy,
  a membership or an MFA factor of the user changes (accounts/receivers.py), so a stale copy
  is recomputed on the next request;
- activity is written (session data and the UserSession row the Sessions page lists) at most
  once per SESSION_ACTIVITY_WRITE_SECONDS, so idle time is measured to that granularity;
- background polls (the notification bell, sync progress) are not activity: they do not
  extend the session (is_background_poll).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from allauth.account.adapter import get_adapter
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest
from django.utils import timezone

STATE_KEY = "bo.session"
POLL_HEADER = "X-Background-Poll"


@dataclass
class SessionState:
    seen: float  # epoch seconds of the last recorded activity
    started: float  # epoch seconds of the sign-in (absolute timeout)
    version: int  # the user's session_policy_version the two facts below were computed at
    org_idle_minutes: int | None  # strictest session_timeout_minutes of the user's organizations
    mfa_pending: bool  # an organization requires MFA and the user has no factor


def write_interval() -> float:
    return float(getattr(settings, "SESSION_ACTIVITY_WRITE_SECONDS", 60))


def is_background_poll(request: HttpRequest) -> bool:
    """Requests our own pages make on a timer (marked by the header) are not a person's activity."""
    return request.headers.get(POLL_HEADER) == "1"


def state_of(session: SessionBase, user) -> SessionState:
    """The session's facts, from its data when current, else from the database (and stored)."""
    raw = session.get(STATE_KEY)
    state = _parse(raw)
    if state is None:
        tracked = UserSession.objects.filter(session_key=session.session_key).values("created_at", "last_seen_at")
        row = tracked.first()
        now = time.time()
        seen = row["last_seen_at"].timestamp() if row else now
        started = row["created_at"].timestamp() if row else now
        state = SessionState(seen, started, -1, None, False)
    if state.version != user.session_policy_version:
        _refresh_policy(state, user)
    if raw != asdict(state):
        session[STATE_KEY] = asdict(state)
    return state


def _parse(raw) -> SessionState | None:
    try:
        return SessionState(**raw) if isinstance(raw, dict) else None
    except TypeError:  # written by another version of this module
        return None


def _refresh_policy(state: SessionState, user) -> None:
    from billingone.accounts import policy

    state.version = user.session_policy_version
    state.org_idle_minutes = policy.strictest_org_idle_minutes(user)
    state.mfa_pending = policy.mfa_enrollment_pending(user)


def record(request: HttpRequest, session: SessionBase, state: SessionState) -> None:
    """Note activity: in the session data and on the UserSession row, at most once per interval."""
    now = time.time()
    if now - state.seen < write_interval():
        return
    state.seen = now
    session[STATE_KEY] = asdict(state)
    max_agent = UserSession._meta.get_field("user_agent").max_length
    updated = UserSession.objects.filter(session_key=session.session_key).update(
        last_seen_at=timezone.now(),
        ip=get_adapter().get_client_ip(request),
        user_agent=request.headers.get("User-Agent", "")[:max_agent],
    )
    if not updated and session is request.session:
        UserSession.objects.create_from_request(request)


def end(session: SessionBase) -> None:
    """End a session for good: its UserSession row and its stored data (the token dies with it)."""
    UserSession.objects.filter(session_key=session.session_key).delete()
    session.delete()


def enforce(request: HttpRequest, user, session: SessionBase) -> tuple[str | None, SessionState | None]:
    """("idle" | "expired", None) after ending a stale session; else (None, its state), with
    the request counted as activity unless it is a background poll."""
    from billingone.accounts import policy

    state = state_of(session, user)
    reason = policy.stale_reason_of(state)
    if reason:
        end(session)
        return reason, None
    if not is_background_poll(request):
        record(request, session, state)
    return None, state
