"""The token endpoint, through Authlib's httpx OAuth2Client (no hand-written token code).

The client runs behind our outbound-HTTP policy (lib/http.py): a transport that only calls
the hosts of the provider's configured URLs (private addresses only for listed simulators),
never follows redirects, has timeouts and shares the provider's identity rate limiter.
Authlib's answers and exceptions become the provider error taxonomy of base.py; tokens never
appear in a message.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from django.conf import settings

from billingone.integrations.base import (
    CredentialsRejected,
    NeedsReauthorization,
    ProviderError,
    ProviderServerError,
    ProviderTimeout,
    RateLimited,
    UnexpectedAnswer,
    Unreachable,
)
from billingone.integrations.oauth.hooks import OAuthApp, OAuthHooks
from billingone.lib.http import Limiter, check_url, limiter_for

USER_AGENT = "BillingOne/1 (+integrations)"


class GuardedTransport(httpx.HTTPTransport):
    """Every request Authlib sends passes our host policy and the identity rate limiter."""

    def __init__(self, allowed_urls: list[str], limiter: Limiter):
        super().__init__()
        self.allowed_urls, self.limiter = allowed_urls, limiter

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        check_url(str(request.url), self.allowed_urls)
        with self.limiter.slot():
            return super().handle_request(request)


def _timeout() -> httpx.Timeout:
    read = getattr(settings, "INTEGRATION_HTTP_TIMEOUT_SECONDS", 30.0)
    return httpx.Timeout(connect=5.0, read=read, write=10.0, pool=10.0)


def _limiter(hooks: OAuthHooks, app: OAuthApp) -> Limiter:
    account = hashlib.sha256(app.client_id.encode()).hexdigest()[:16]
    return limiter_for(f"{hooks.name}:identity:{account}", hooks.identity_rate)


@contextmanager
def oauth_client(hooks: OAuthHooks, app: OAuthApp, *, scope: bool = True) -> Iterator[OAuth2Client]:
    client = OAuth2Client(
        client_id=app.client_id,
        client_secret=app.client_secret,
        token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method name, not a secret
        revocation_endpoint_auth_method="client_secret_basic",
        scope=" ".join(hooks.scopes) if scope else None,
        redirect_uri=hooks.redirect_uri,
        code_challenge_method="S256",
        timeout=_timeout(),
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        transport=GuardedTransport(hooks.allowed_urls(), _limiter(hooks, app)),
    )
    try:
        with _as_provider_errors(hooks, app):
            yield client
    finally:
        client.close()


@contextmanager
def _as_provider_errors(hooks: OAuthHooks, app: OAuthApp) -> Iterator[None]:
    name = hooks.name
    try:
        yield
    except ProviderError:
        raise
    except OAuthError as error:
        if error.error == "invalid_grant":
            raise NeedsReauthorization(hooks.reauth_message) from None
        if error.error in ("invalid_client", "unauthorized_client"):
            field = "own_client_secret" if app.kind == "own" else None
            raise CredentialsRejected(f"{name} rejected the app's client ID or secret.", field=field) from None
        raise UnexpectedAnswer(f"{name}'s token service refused the request ({str(error.error)[:40]}).") from None
    except httpx.HTTPStatusError as error:
        status = error.response.status_code
        if status == 429:
            raise RateLimited(f"{name}'s token service asked us to slow down (429).") from None
        if status >= 500:
            raise ProviderServerError(f"{name}'s token service answered HTTP {status}.") from None
        raise UnexpectedAnswer(f"{name}'s token service answered unexpectedly (HTTP {status}).") from None
    except httpx.TimeoutException:
        raise ProviderTimeout(f"{name}'s token service did not answer in time.") from None
    except httpx.TransportError as error:
        raise Unreachable(f"{name}'s token service could not be reached ({type(error).__name__}).") from None
    except ValueError:
        raise UnexpectedAnswer(f"{name}'s token service sent an answer that is not a token.") from None


def authorize_url(hooks: OAuthHooks, app: OAuthApp, state: str, verifier: str) -> str:
    with oauth_client(hooks, app) as client:
        url, _state = client.create_authorization_url(hooks.authorize_url, state=state, code_verifier=verifier)
    return url


def _stored(hooks: OAuthHooks, token: dict) -> dict[str, str]:
    """Authlib's token → what a connection stores (the granted scope kept for the notice)."""
    if not token.get("access_token"):
        raise UnexpectedAnswer(f"{hooks.name}'s token service answered without an access token.")
    expires_at = token.get("expires_at") or time.time() + float(token.get("expires_in") or 1800)
    return {
        "access_token": token["access_token"],
        "refresh_token": token.get("refresh_token") or "",
        "expires_at": str(float(expires_at)),
        "scope": token.get("scope") or " ".join(hooks.scopes),
    }


def exchange_code(hooks: OAuthHooks, app: OAuthApp, code: str, verifier: str) -> dict[str, str]:
    """The callback's code (with its PKCE verifier) → tokens."""
    with oauth_client(hooks, app) as client:
        token = client.fetch_token(hooks.token_url, grant_type="authorization_code", code=code, code_verifier=verifier)
    return _stored(hooks, token)


def refresh(hooks: OAuthHooks, app: OAuthApp, refresh_token: str) -> dict[str, str]:
    """A new access token (and, with rotation, a new refresh token)."""
    if not refresh_token:
        raise NeedsReauthorization(hooks.reauth_message)
    with oauth_client(hooks, app, scope=False) as client:
        token = client.refresh_token(hooks.token_url, refresh_token=refresh_token)
    return _stored(hooks, token)


def revoke(hooks: OAuthHooks, app: OAuthApp, refresh_token: str) -> bool:
    """Revoke the grant at the provider. False when the provider could not be told."""
    if not refresh_token or not hooks.revoke_url:
        return False
    try:
        with oauth_client(hooks, app, scope=False) as client:
            hint = "refresh_token"
            response = client.revoke_token(hooks.revoke_url, token=refresh_token, token_type_hint=hint)
    except ProviderError:
        return False
    return response.status_code == 200
