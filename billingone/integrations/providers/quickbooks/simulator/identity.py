"""Intuit's OAuth2 as the simulator plays it (PROVIDERS.md §3.1): registered apps, one-use
authorization codes bound to the chosen company (realm), one-hour access tokens, refresh tokens
that rotate on every refresh (the previous one keeps working until the new one is first used,
so a client that crashed before saving the new token can retry), and revocation."""

from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass, field

ACCESS_TTL = 3600
CODE_TTL = 300
REFRESH_TTL = 100 * 86400  # rolling: every refresh restarts it
ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
KNOWN_SCOPES = {ACCOUNTING_SCOPE, "com.intuit.quickbooks.payment", "openid", "email", "profile", "phone", "address"}


class OAuthError(Exception):
    def __init__(self, error: str, description: str = "", status: int = 400):
        super().__init__(description or error)
        self.error, self.description, self.status = error, description, status


@dataclass
class App:
    client_id: str
    secret: str
    redirect_uris: set[str]


@dataclass
class Code:
    client_id: str
    redirect_uri: str
    scopes: list[str]
    realm_id: str
    expires: float
    used: bool = False


@dataclass
class Grant:
    client_id: str
    realm_id: str
    scopes: list[str]
    access_tokens: dict[str, float] = field(default_factory=dict)
    refresh_token: str = ""
    previous_refresh: str = ""  # valid until `refresh_token` is first used
    refresh_expires: float = 0.0
    refreshes: int = 0
    revoked: bool = False


class Identity:
    def __init__(self, clock):
        self.clock = clock
        self.lock = threading.Lock()
        self.apps: dict[str, App] = {}
        self.codes: dict[str, Code] = {}
        self.grants: list[Grant] = []
        self.token_requests = 0

    def register_app(self, client_id: str, secret: str, redirect_uris) -> App:
        app = App(client_id, secret, set(redirect_uris))
        self.apps[client_id] = app
        return app

    # ---- /connect/oauth2 ---------------------------------------------------------------------
    def check_authorize(self, params: dict[str, str]) -> App:
        app = self.apps.get(params.get("client_id", ""))
        if app is None:
            raise OAuthError("invalid_client", "Unknown client_id")
        if params.get("redirect_uri") not in app.redirect_uris:
            raise OAuthError("invalid_request", "The redirect_uri is not registered for this app")
        if params.get("response_type") != "code":
            raise OAuthError("unsupported_response_type", "response_type must be code")
        scopes = params.get("scope", "").split()
        unknown = [scope for scope in scopes if scope not in KNOWN_SCOPES]
        if not scopes or unknown:
            raise OAuthError("invalid_scope", f"Unknown scopes: {' '.join(unknown) or '(none)'}")
        if not params.get("state"):
            raise OAuthError("invalid_request", "state is required")
        return app

    def issue_code(self, params: dict[str, str], realm_id: str) -> str:
        code = "AB" + secrets.token_urlsafe(36)
        with self.lock:
            self.codes[code] = Code(
                params["client_id"], params["redirect_uri"], params["scope"].split(), realm_id, self.clock() + CODE_TTL
            )
        return code

    # ---- /oauth2/v1/tokens/bearer ----------------------------------------------------------
    def authenticate(self, basic: tuple[str, str] | None, form: dict[str, str]) -> App:
        client_id, secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
        app = self.apps.get(client_id)
        if app is None or not secret or not hmac.compare_digest(app.secret, secret):
            raise OAuthError("invalid_client", status=401)
        return app

    def exchange(self, basic, form: dict[str, str]) -> dict:
        with self.lock:
            self.token_requests += 1
            app = self.authenticate(basic, form)
            grant_type = form.get("grant_type")
            if grant_type == "authorization_code":
                grant = self._redeem_code(app, form)
            elif grant_type == "refresh_token":
                grant = self._redeem_refresh(app, form.get("refresh_token", ""))
            else:
                raise OAuthError("unsupported_grant_type")
            return self._tokens(grant)

    def _redeem_code(self, app: App, form: dict[str, str]) -> Grant:
        code = self.codes.get(form.get("code", ""))
        if code is None or code.used or code.expires < self.clock() or code.client_id != app.client_id:
            raise OAuthError("invalid_grant")
        code.used = True
        if form.get("redirect_uri") != code.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri mismatch")
        grant = Grant(app.client_id, code.realm_id, code.scopes)
        self.grants.append(grant)
        return grant

    def _redeem_refresh(self, app: App, token: str) -> Grant:
        now = self.clock()
        for grant in self.grants:
            if grant.revoked or grant.client_id != app.client_id or not token:
                continue
            if token == grant.refresh_token and grant.refresh_expires > now:
                grant.previous_refresh = ""  # the new token is in use: the old one dies
                grant.refreshes += 1
                return grant
            if token == grant.previous_refresh and grant.refresh_expires > now:
                grant.refreshes += 1
                return grant
        raise OAuthError("invalid_grant")

    def _tokens(self, grant: Grant) -> dict:
        now = self.clock()
        access = "sim-qbo-at-" + secrets.token_urlsafe(32)
        grant.access_tokens = {token: expiry for token, expiry in grant.access_tokens.items() if expiry > now}
        grant.access_tokens[access] = now + ACCESS_TTL
        if grant.refresh_token and not grant.previous_refresh:
            grant.previous_refresh = grant.refresh_token
        grant.refresh_token = "sim-qbo-rt-" + secrets.token_urlsafe(32)
        grant.refresh_expires = now + REFRESH_TTL
        return {
            "token_type": "bearer",
            "access_token": access,
            "expires_in": ACCESS_TTL,
            "refresh_token": grant.refresh_token,
            "x_refresh_token_expires_in": REFRESH_TTL,
        }

    # ---- /v2/oauth2/tokens/revoke ------------------------------------------------------------
    def revoke(self, basic, token: str) -> bool:
        with self.lock:
            app = self.authenticate(basic, {})
            for grant in self.grants:
                tokens = {grant.refresh_token, grant.previous_refresh, *grant.access_tokens}
                if grant.client_id == app.client_id and token and token in tokens:
                    grant.revoked = True
                    return True
        return False

    # ---- bearer tokens -------------------------------------------------------------------------
    def grant_for_access(self, token: str) -> Grant | None:
        now = self.clock()
        for grant in reversed(self.grants):
            if not grant.revoked and grant.access_tokens.get(token, 0) > now:
                return grant
        return None

    def expire_access_tokens(self) -> None:
        """Every access token expires now (token expiry mid-sync)."""
        with self.lock:
            for grant in self.grants:
                grant.access_tokens.clear()
