"""Xero Identity as the simulator plays it: clients, authorization codes with PKCE, grants with
rotating refresh tokens (the previous one stays valid for 30 minutes), revocation, connections."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

ACCESS_TTL = 1800
CODE_TTL = 300
REFRESH_GRACE = 1800
REFRESH_TTL = 60 * 86400
# Both the broad (pre-2026) and the granular scopes are accepted.
KNOWN_SCOPES = {
    "openid",
    "profile",
    "email",
    "offline_access",
    "accounting.contacts",
    "accounting.contacts.read",
    "accounting.settings",
    "accounting.settings.read",
    "accounting.transactions",
    "accounting.transactions.read",
    "accounting.invoices",
    "accounting.invoices.read",
    "accounting.payments",
    "accounting.payments.read",
    "accounting.attachments",
    "accounting.attachments.read",
}


class OAuthError(Exception):
    def __init__(self, error: str, description: str = "", status: int = 400):
        super().__init__(description or error)
        self.error, self.description, self.status = error, description, status


@dataclass
class Client:
    client_id: str
    secret: str | None  # None: a PKCE ("native") app with no secret
    redirect_uris: set[str]


@dataclass
class Code:
    client_id: str
    redirect_uri: str
    scopes: list[str]
    tenant_ids: list[str]
    challenge: str | None
    challenge_method: str | None
    expires: float
    auth_event_id: str
    used: bool = False


@dataclass
class Grant:
    grant_id: str
    client_id: str
    scopes: list[str]
    auth_event_id: str
    connections: dict[str, dict] = field(default_factory=dict)  # tenant id -> connection JSON
    access_tokens: dict[str, float] = field(default_factory=dict)
    refresh_token: str = ""
    refresh_expires: float = 0.0
    grace: dict[str, float] = field(default_factory=dict)  # previous refresh tokens -> valid until
    refreshes: int = 0
    revoked: bool = False


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class Identity:
    def __init__(self, clock):
        self.clock = clock
        self.lock = threading.Lock()
        self.clients: dict[str, Client] = {}
        self.codes: dict[str, Code] = {}
        self.grants: list[Grant] = []
        self.token_requests = 0

    def register_client(self, client_id: str, secret: str | None, redirect_uris) -> Client:
        client = Client(client_id, secret, set(redirect_uris))
        self.clients[client_id] = client
        return client

    # ---- /identity/connect/authorize --------------------------------------------------------
    def check_authorize(self, params: dict[str, str]) -> Client:
        client = self.clients.get(params.get("client_id", ""))
        if client is None:
            raise OAuthError("unauthorized_client", "Unknown client_id")
        if params.get("redirect_uri") not in client.redirect_uris:
            raise OAuthError("invalid_request", "redirect_uri is not registered for this app")
        if params.get("response_type") != "code":
            raise OAuthError("unsupported_response_type", "response_type must be code")
        scopes = params.get("scope", "").split()
        unknown = [scope for scope in scopes if scope not in KNOWN_SCOPES]
        if not scopes or unknown:
            raise OAuthError("invalid_scope", f"Unknown scopes: {' '.join(unknown)}")
        method = params.get("code_challenge_method")
        if params.get("code_challenge") and method != "S256":
            raise OAuthError("invalid_request", "code_challenge_method must be S256")
        if client.secret is None and not params.get("code_challenge"):
            raise OAuthError("invalid_request", "PKCE apps must send code_challenge")
        return client

    def issue_code(self, params: dict[str, str], tenant_ids: list[str]) -> str:
        code = secrets.token_urlsafe(32)
        with self.lock:
            self.codes[code] = Code(
                client_id=params["client_id"],
                redirect_uri=params["redirect_uri"],
                scopes=params["scope"].split(),
                tenant_ids=tenant_ids,
                challenge=params.get("code_challenge") or None,
                challenge_method=params.get("code_challenge_method") or None,
                expires=self.clock() + CODE_TTL,
                auth_event_id=secrets.token_hex(16),
            )
        return code

    # ---- /connect/token ---------------------------------------------------------------------
    def authenticate_client(self, basic: tuple[str, str] | None, form: dict[str, str]) -> Client:
        """Basic auth, or client_id (+ client_secret) in the form body, as Xero accepts both
        (its own SDK posts them in the body); a PKCE app without a secret sends only its id."""
        client_id, secret = basic if basic else (form.get("client_id", ""), form.get("client_secret"))
        client = self.clients.get(client_id)
        if client is None:
            raise OAuthError("invalid_client", status=401)
        if client.secret is None:
            if basic or secret:
                raise OAuthError("invalid_client", status=401)
            return client
        if not secret or not hmac.compare_digest(client.secret, secret):
            raise OAuthError("invalid_client", status=401)
        return client

    def exchange(self, basic, form: dict[str, str], tenants: dict[str, str]) -> dict:
        with self.lock:
            self.token_requests += 1
            client = self.authenticate_client(basic, form)
            grant_type = form.get("grant_type")
            if grant_type == "authorization_code":
                grant = self._redeem_code(client, form, tenants)
            elif grant_type == "refresh_token":
                grant = self._redeem_refresh(client, form.get("refresh_token", ""))
            else:
                raise OAuthError("unsupported_grant_type")
            return self._tokens(grant)

    def _redeem_code(self, client: Client, form: dict[str, str], tenants: dict[str, str]) -> Grant:
        code = self.codes.get(form.get("code", ""))
        if code is None or code.used or code.expires < self.clock() or code.client_id != client.client_id:
            raise OAuthError("invalid_grant")
        code.used = True  # single use, even when the rest fails
        if form.get("redirect_uri") != code.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri mismatch")
        if code.challenge:
            verifier = form.get("code_verifier", "")
            if not verifier or not hmac.compare_digest(s256(verifier), code.challenge):
                raise OAuthError("invalid_grant", "code_verifier does not match")
        grant = Grant(secrets.token_hex(8), client.client_id, code.scopes, code.auth_event_id)
        now = self.clock()
        for tenant_id in code.tenant_ids:
            grant.connections[tenant_id] = connection_json(tenant_id, tenants[tenant_id], code.auth_event_id, now)
        self.grants.append(grant)
        return grant

    def _redeem_refresh(self, client: Client, token: str) -> Grant:
        now = self.clock()
        for grant in self.grants:
            if grant.revoked or grant.client_id != client.client_id or "offline_access" not in grant.scopes:
                continue
            if token == grant.refresh_token and grant.refresh_expires > now:
                grant.grace[token] = now + REFRESH_GRACE
                grant.refreshes += 1
                return grant
            if grant.grace.get(token, 0) > now:
                grant.refreshes += 1
                return grant
        raise OAuthError("invalid_grant")

    def _tokens(self, grant: Grant) -> dict:
        now = self.clock()
        access = "sim-at-" + secrets.token_urlsafe(32)
        grant.access_tokens = {tok: exp for tok, exp in grant.access_tokens.items() if exp > now}
        grant.access_tokens[access] = now + ACCESS_TTL
        body = {
            "id_token": "sim-id-" + secrets.token_urlsafe(16),
            "access_token": access,
            "expires_in": ACCESS_TTL,
            "token_type": "Bearer",
            "scope": " ".join(grant.scopes),
        }
        if "offline_access" in grant.scopes:
            grant.refresh_token = "sim-rt-" + secrets.token_urlsafe(32)
            grant.refresh_expires = now + REFRESH_TTL
            body["refresh_token"] = grant.refresh_token
        return body

    def revoke(self, basic, form: dict[str, str]) -> None:
        with self.lock:
            client = self.authenticate_client(basic, form)
            token = form.get("token", "")
            for grant in self.grants:
                if grant.client_id == client.client_id and (token == grant.refresh_token or token in grant.grace):
                    grant.revoked = True

    # ---- bearer tokens ----------------------------------------------------------------------
    def grant_for_access(self, token: str) -> Grant | None:
        now = self.clock()
        for grant in self.grants:
            if not grant.revoked and grant.access_tokens.get(token, 0) > now:
                return grant
        return None

    def expire_access_tokens(self) -> None:
        with self.lock:
            for grant in self.grants:
                grant.access_tokens.clear()


def connection_json(tenant_id: str, name: str, auth_event_id: str, now: float) -> dict:
    stamp = datetime.fromtimestamp(now, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0")
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{auth_event_id}:{tenant_id}")),
        "authEventId": str(uuid.UUID(auth_event_id)),
        "tenantId": tenant_id,
        "tenantType": "ORGANISATION",
        "tenantName": name,
        "createdDateUtc": stamp,
        "updatedDateUtc": stamp,
    }
