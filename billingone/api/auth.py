"""Who is calling the API: the mobile app's X-Session-Token (allauth headless) or the web
app's browser session (with CSRF on unsafe methods)."""

from __future__ import annotations

from allauth.headless.internal.sessionkit import authenticate_by_x_session_token
from django.http import HttpRequest
from django.urls import reverse
from ninja.security import APIKeyHeader, SessionAuth

from billingone.accounts import activity, policy
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


class SessionTokenAuth(APIKeyHeader):
    param_name = "X-Session-Token"

    def authenticate(self, request: HttpRequest, key: str | None):
        if not key:
            return None
        found = authenticate_by_x_session_token(key)
        if not found:
            return None
        user, session = found
        if not user.is_active:
            return None
        # Idle/absolute timeouts apply to app tokens as to web sessions (accounts/activity.py).
        reason, state = activity.enforce(request, user, session)
        if reason:
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
