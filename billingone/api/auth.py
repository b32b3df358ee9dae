"""Who is calling the API: the mobile app's X-Session-Token (allauth headless) or the web
app's browser session (with CSRF on unsafe methods)."""

from __future__ import annotations

from allauth.account.internal.stagekit import LOGIN_SESSION_KEY
from allauth.headless.internal.sessionkit import authenticate_by_x_session_token, lookup_session
from django.http import HttpRequest
from django.urls import reverse
from ninja.security import APIKeyHeader, SessionAuth

from billingone.accounts import activity, ended_sessions, policy
from billingone.api.errors import ApiError


def enforce_mfa_enrollment(request: HttpRequest, user) -> None:
    """403 mfa_enrollment_required while an organization requires MFA the user lacks."""
    state = getattr(request, "session_state", None)  # the facts SessionPolicyMiddleware read
    if state.mfa_pending if state is not None else policy.mfa_enrollment_pending(user):
        raise ApiError(
            403,
            "mfa_enrollment_required",
            "Your organization requires multi-factor authentication. Set it up on the web first.",
            web_url=request.build_absolute_uri(reverse("account_mfa_enrol")),
        )


ENDED = {
    ended_sessions.REVOKED: ("session_revoked", "This session was signed out or revoked. Sign in again."),
    ended_sessions.EXPIRED: ("session_expired", "This session expired after a period of inactivity. Sign in again."),
}


def pending_login_step(token: str) -> str | None:
    """The allauth login stage a half-signed-in app token still has to pass (e.g. mfa_authenticate)."""
    session = lookup_session(token)
    login = session.get(LOGIN_SESSION_KEY) if session else None
    if not isinstance(login, dict):
        return None
    stages = (login.get("state") or {}).get("stages") or {}
    return stages.get("current") or None


def raise_why_not_signed_in(token: str) -> None:
    """401 with a code the app can act on, when we know more than "no such token"."""
    step = pending_login_step(token)
    if step:
        raise ApiError(
            401,
            "not_authenticated",
            f"Sign-in is not finished: the {step} step is pending.",
            extra={"flows": [{"id": step, "is_pending": True}]},
        )
    reason = ended_sessions.reason_ended(token)
    if reason in ENDED:
        code, message = ENDED[reason]
        raise ApiError(401, code, message)


class SessionTokenAuth(APIKeyHeader):
    param_name = "X-Session-Token"

    def authenticate(self, request: HttpRequest, key: str | None):
        if not key:
            return None
        found = authenticate_by_x_session_token(key)
        if not found:
            raise_why_not_signed_in(key)
            return None
        user, session = found
        if not user.is_active:
            return None
        # Idle/absolute timeouts apply to app tokens as to web sessions (accounts/activity.py).
        reason, state = activity.enforce(request, user, session)
        if reason:
            raise_why_not_signed_in(key)
            return None
        if session.modified:
            session.save()
        request.session_state = state
        enforce_mfa_enrollment(request, user)
        request.user = user
        # The app token is the key of a server-side session; revoking it ends the token.
        request.token_session = session
        return user


class BrowserSessionAuth(SessionAuth):
    """The signed-in browser session; django-ninja enforces CSRF for unsafe methods.
    (SessionPolicyMiddleware already ended idle sessions before we get here.)"""

    def authenticate(self, request: HttpRequest, key: str | None):
        user = super().authenticate(request, key)
        if user is not None:
            enforce_mfa_enrollment(request, user)
        return user


api_auth = [SessionTokenAuth(), BrowserSessionAuth()]
