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
from django.conf import settings
from django.db.models import Min
from django.utils import timezone

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


def strictest_org_idle_minutes(user) -> int | None:
    """The shortest session_timeout_minutes among the user's organizations (None: none set)."""
    return Membership.objects.filter(user_id=user.pk, organization__session_timeout_minutes__isnull=False).aggregate(
        minutes=Min("organization__session_timeout_minutes")
    )["minutes"]


def idle_limit(org_minutes: int | None) -> timedelta | None:
    """The strictest of the site default and the organizations' limit, or None when none applies."""
    limits = []
    site = getattr(settings, "SESSION_IDLE_TIMEOUT_SECONDS", 0)
    if site:
        limits.append(timedelta(seconds=site))
    if org_minutes:
        limits.append(timedelta(minutes=org_minutes))
    return min(limits) if limits else None


def idle_timeout(user) -> timedelta | None:
    """The strictest idle limit for the user's sessions, or None when none applies."""
    return idle_limit(strictest_org_idle_minutes(user))


def absolute_timeout() -> timedelta:
    return timedelta(seconds=settings.SESSION_COOKIE_AGE)


def stale_reason_of(state) -> str | None:
    """ "idle" or "expired" when a session (accounts/activity.SessionState) is past a limit."""
    now = timezone.now().timestamp()
    limit = idle_limit(state.org_idle_minutes)
    if limit is not None and now - state.seen > limit.total_seconds():
        return "idle"
    if now - state.started > absolute_timeout().total_seconds():
        return "expired"
    return None
