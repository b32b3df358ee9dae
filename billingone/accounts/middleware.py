"""Enforce the organization policies (accounts/policy.py) on every web request and on the
allauth headless endpoints used by the app. The /api/v1 auth classes call the same checks."""

from __future__ import annotations

from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect

from billingone.accounts import activity, signouts

TIMEOUT_MESSAGES = {
    "idle": "You were signed out after a period of inactivity. Please sign in again.",
    "expired": "Your session reached its maximum length. Please sign in again.",
}

# What a member who must enrol in MFA may still open: enrolment itself, signing out, email
# verification (MFA needs a verified email), static files and the APIs (which answer 403 with a link).
ENROLMENT_ALLOWED_PREFIXES = (
    "/accounts/2fa/",
    "/accounts/security/",
    "/accounts/reauthenticate/",
    "/accounts/logout/",
    "/accounts/email/",
    "/accounts/confirm-email/",
    "/_allauth/",
    "/api/",
    "/static/",
    "/media/",
    "/healthz",
    "/.well-known/",
)


# Pages that show secrets (recovery codes, the TOTP secret) must not be kept by any cache.
NO_STORE_PREFIXES = ("/accounts/2fa/recovery-codes/", "/accounts/2fa/totp/activate/")
# Web re-authentication pages: a successful POST gets a fresh session id (ASVS 7.2.4).
REAUTH_PATHS = ("/accounts/reauthenticate/", "/accounts/2fa/reauthenticate/", "/accounts/2fa/webauthn/reauthenticate/")


def cycle_after_reauthentication(request, response) -> None:
    if request.method != "POST" or request.path not in REAUTH_PATHS or response.status_code != 302:
        return
    if not request.user.is_authenticated or not request.session.session_key:
        return
    old = request.session.session_key
    request.session.cycle_key()
    # Keep the tracked session (its sign-in time bounds the absolute timeout) under the new key.
    UserSession.objects.filter(session_key=old).update(session_key=request.session.session_key)


class SessionPolicyMiddleware:
    """Replaces allauth's UserSessionsMiddleware (which rewrote the session row on every request):
    ends idle and expired sessions, holds back members who must enrol in MFA, and records
    activity at most once a minute (accounts/activity.py), all from the session's own data."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        token = request.headers.get("X-Session-Token")
        if token and request.path.startswith("/_allauth/app/"):
            self._check_app_token(request, token)
        user = request.user
        if not user.is_authenticated and not request.path.startswith(("/api/", "/_allauth/")):
            reason = signouts.explain(request)
            if reason:
                messages.info(request, reason)
        if user.is_authenticated and request.session.session_key:
            reason, state = activity.enforce(request, user, request.session)
            if reason:
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)  # signed out now: the API answers 401 in its shape
                messages.info(request, TIMEOUT_MESSAGES[reason])
                return redirect_to_login(request.get_full_path())
            request.session_state = state
            if state.mfa_pending and not request.path.startswith(ENROLMENT_ALLOWED_PREFIXES):
                return redirect("account_mfa_enrol")
        response = self.get_response(request)
        cycle_after_reauthentication(request, response)
        if request.path.startswith(NO_STORE_PREFIXES):
            response["Cache-Control"] = "no-store"
        return response

    def _check_app_token(self, request, token: str) -> None:
        # A stale token's session is ended here; allauth then answers the app with 401/410.
        from allauth.headless.internal.sessionkit import authenticate_by_x_session_token

        found = authenticate_by_x_session_token(token)
        if found:
            user, session = found
            reason, _ = activity.enforce(request, user, session)
            if not reason and session.modified:
                session.save()
