"""Who is calling the API: the mobile app's X-Session-Token (allauth headless) or the web
app's browser session (with CSRF on unsafe methods)."""

from __future__ import annotations

from allauth.headless.internal.sessionkit import authenticate_by_x_session_token
from django.http import HttpRequest
from ninja.security import APIKeyHeader, SessionAuth


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
        request.user = user
        # The app token is the key of a server-side session; revoking it ends the token.
        request.token_session = session
        return user


class BrowserSessionAuth(SessionAuth):
    """The signed-in browser session; django-ninja enforces CSRF for unsafe methods."""


api_auth = [SessionTokenAuth(), BrowserSessionAuth()]
