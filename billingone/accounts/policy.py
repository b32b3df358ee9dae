"""Organization policies enforced on every request: required MFA and session timeouts.

A session (web cookie or app token: both are server-side sessions with a UserSession row)
is ended when it has been idle longer than the strictest limit that applies to its user —
the site default (settings.SESSION_IDLE_TIMEOUT_SECONDS) or any of their organizations'
`session_timeout_minutes` — or when it is older than the absolute limit
(settings.SESSION_COOKIE_AGE). A member of an organization that requires MFA and who has
neither TOTP nor a passkey may open only the enrolment pages.
"""

from __future__ import annotations

from datetime import timedelta

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from billingone.accounts import ended_sessions
from billingone.orgs.models import Membership, Organization

# Factors that satisfy "Require MFA" (recovery codes alone are a fallback, not a factor).
MFA_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def has_mfa(user) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type__in=MFA_FACTORS).exists()


def organizations_requiring_mfa(user) -> list[Organization]:
    return list(Organization.objects.filter(memberships__user_id=user.pk, require_mfa=True).order_by("name"))


def mfa_enrollment_pending(user) -> bool:
    """True when an organization of the user requires MFA and the user has no factor yet."""
    if not user.is_authenticated:
        return False
    if not Membership.objects.filter(user_id=user.pk, organization__require_mfa=True).exists():
        return False
    return not has_mfa(user)


def idle_timeout(user) -> timedelta | None:
    """The strictest idle limit for the user's sessions, or None when none applies."""
    limits = []
    site = getattr(settings, "SESSION_IDLE_TIMEOUT_SECONDS", 0)
    if site:
        limits.append(timedelta(seconds=site))
    strictest = Membership.objects.filter(
        user_id=user.pk, organization__session_timeout_minutes__isnull=False
    ).aggregate(minutes=Min("organization__session_timeout_minutes"))["minutes"]
    if strictest:
        limits.append(timedelta(minutes=strictest))
    return min(limits) if limits else None


def absolute_timeout() -> timedelta:
    return timedelta(seconds=settings.SESSION_COOKIE_AGE)


def stale_reason(user, tracked: UserSession | None) -> str | None:
    """ "idle" or "expired" when the tracked session is past a limit, else None."""
    if tracked is None:
        return None
    now = timezone.now()
    limit = idle_timeout(user)
    if limit is not None and now - tracked.last_seen_at > limit:
        return "idle"
    if now - tracked.created_at > absolute_timeout():
        return "expired"
    return None


def end_if_stale(user, session_key: str | None) -> str | None:
    """End the session when it is stale and say why; None when it may go on."""
    if not session_key:
        return None
    tracked = UserSession.objects.filter(session_key=session_key, user_id=user.pk).first()
    reason = stale_reason(user, tracked)
    if reason:
        ended_sessions.remember(session_key, ended_sessions.EXPIRED)
        tracked.end()
    return reason


def touch(session_key: str, request) -> None:
    """Record activity of an app token (the usersessions middleware only sees cookies)."""
    from allauth.account.adapter import get_adapter

    UserSession.objects.filter(session_key=session_key).update(
        last_seen_at=timezone.now(),
        ip=get_adapter().get_client_ip(request),
        user_agent=request.headers.get("User-Agent", "")[: UserSession._meta.get_field("user_agent").max_length],
    )
