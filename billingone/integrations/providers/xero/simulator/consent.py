"""Walk the simulator's consent screen without a browser: the demo seed, tests and the
benchmark use it to obtain real tokens the way a person clicking "Allow access" would."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import httpx


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def approve(
    base_url: str,
    *,
    client_id: str,
    redirect_uri: str,
    scope: str,
    state: str,
    challenge: str,
    tenant_ids: list[str] | None = None,
) -> str:
    """Ask for consent and press "Allow access"; returns the redirect back (with code and state)."""
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    with httpx.Client(base_url=base_url, timeout=10) as http:
        response = http.get("/identity/connect/authorize", params=params)
        if response.status_code == 200:  # the consent page: choose organisations, allow
            if tenant_ids is None:
                tenant_ids = [part.split('"')[0] for part in response.text.split('name=tenant value="')[1:]]
            form = {**params, "tenant": tenant_ids, "decision": "allow"}
            response = http.post("/identity/connect/authorize/consent", data=form)
        if response.status_code != 302:
            raise RuntimeError(f"Consent failed: {response.status_code} {response.text[:200]}")
        return response.headers["Location"]


def obtain_tokens(
    base_url: str,
    *,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    scope: str,
    tenant_ids: list[str] | None = None,
) -> dict:
    """The whole authorization-code + PKCE dance; the token response plus the connections."""
    verifier, challenge = pkce_pair()
    location = approve(
        base_url,
        client_id=client_id,
        redirect_uri=redirect_uri,
        scope=scope,
        state="headless",
        challenge=challenge,
        tenant_ids=tenant_ids,
    )
    code = parse_qs(urlsplit(location).query)["code"][0]
    with httpx.Client(base_url=base_url, timeout=10) as http:
        tokens = http.post(
            "/connect/token",
            auth=(client_id, client_secret),
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            },
        )
        tokens.raise_for_status()
        body = tokens.json()
        connections = http.get("/connections", headers={"Authorization": f"Bearer {body['access_token']}"})
        connections.raise_for_status()
    return {**body, "connections": connections.json()}
