"""The state of a connect flow (SECURITY.md 37, 38).

`begin()` makes a single-use `state` (32 random bytes) and a PKCE verifier, keeps them in the
server-side session together with who started the flow (user, organization, provider, which
app) and hands both back for the authorize URL. `complete()` takes the state back at the
callback: it must come from the same browser session, the same user, the same provider (one
callback path per provider, so a state issued for another provider is refused: mix-up
defence), within 10 minutes, and only once (a cache marker makes the single use atomic across
concurrent requests). The redirect URI is fixed by configuration, never built from the Host header.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

STATE_TTL_SECONDS = 600
SESSION_KEY = "integrations.oauth_flows"
USED_MARKER = "integrations.oauth_state_used:"


class StateRejected(Exception):
    """The callback's state is not one this session is waiting for; `reason` says why."""

    MESSAGES = {
        "missing": "The answer from the provider did not carry the state of a connect flow.",
        "unknown": "This connect link was not started in this browser session, or was already used.",
        "replayed": "This connect link was already used. Start the connection again.",
        "expired": "This connect attempt expired (10 minutes). Start the connection again.",
        "wrong_user": "This connect attempt was started by someone else.",
        "wrong_provider": "This answer belongs to a different integration.",
        "wrong_organization": "This connect attempt belongs to another organization.",
    }

    def __init__(self, reason: str):
        super().__init__(self.MESSAGES[reason])
        self.reason = reason
        self.message = self.MESSAGES[reason]


@dataclass(frozen=True)
class Flow:
    """A started flow, as complete() hands it back."""

    provider: str
    organization_id: int
    user_id: int
    code_verifier: str
    next_url: str
    app_kind: str
    started_at: float


def _digest(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def _live_flows(request: HttpRequest) -> dict[str, dict]:
    now = time.time()
    flows = request.session.get(SESSION_KEY, {})
    return {key: flow for key, flow in flows.items() if now - flow["started_at"] < STATE_TTL_SECONDS * 2}


def safe_next(next_url: str | None) -> str:
    """`next` only when it stays on this site (an internal path); otherwise empty."""
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts=set(), require_https=False):
        return next_url if next_url.startswith("/") and not next_url.startswith("//") else ""
    return ""


def begin(request: HttpRequest, *, provider: str, organization, app_kind: str, next_url: str = "") -> tuple[str, str]:
    """Start a flow for request.user in `organization`; returns (state, PKCE verifier)."""
    if not request.session.session_key:
        request.session.save()  # the flow is bound to this session, so it must exist
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)  # 86 characters of the unreserved set (RFC 7636: 43–128)
    flows = _live_flows(request)
    flows[_digest(state)] = {
        "provider": provider,
        "organization_id": organization.pk,
        "user_id": request.user.pk,
        "code_verifier": verifier,
        "next_url": safe_next(next_url),
        "app_kind": app_kind,
        "started_at": time.time(),
    }
    request.session[SESSION_KEY] = flows
    return state, verifier


def complete(request: HttpRequest, *, provider: str, state: str | None) -> Flow:
    """Consume the flow `state` names, or raise StateRejected. Called once per callback."""
    if not state:
        raise StateRejected("missing")
    key = _digest(state)
    flows = _live_flows(request)
    entry = flows.pop(key, None)
    request.session[SESSION_KEY] = flows
    if entry is None:
        raise StateRejected("unknown")
    # Single use across concurrent requests of the same session: the first add() wins.
    if not cache.add(USED_MARKER + key, 1, timeout=STATE_TTL_SECONDS * 2):
        raise StateRejected("replayed")
    if time.time() - entry["started_at"] > STATE_TTL_SECONDS:
        raise StateRejected("expired")
    if entry["user_id"] != request.user.pk:
        raise StateRejected("wrong_user")
    if entry["provider"] != provider:
        raise StateRejected("wrong_provider")
    return Flow(**entry)


def check_organization(flow: Flow, organization) -> None:
    if flow.organization_id != organization.pk:
        raise StateRejected("wrong_organization")
