"""Intuit's OpenID discovery document, served with every endpoint on the simulator.

Source: the values of https://developer.api.intuit.com/.well-known/openid_configuration as
reconstructed from public copies (intuit/oauth-pythonclient config, intuit/oauth-jsclient;
Apache-2.0), kept in the team's shared specs as openid_configuration.production.RECONSTRUCTED.json.
The accounting scope is valid although only the OIDC scopes are listed.
"""

from __future__ import annotations

PRODUCTION = {
    "issuer": "https://oauth.platform.intuit.com/op/v1",
    "authorization_endpoint": "https://appcenter.intuit.com/connect/oauth2",
    "token_endpoint": "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
    "userinfo_endpoint": "https://accounts.platform.intuit.com/v1/openid_connect/userinfo",
    "revocation_endpoint": "https://developer.api.intuit.com/v2/oauth2/tokens/revoke",
    "jwks_uri": "https://oauth.platform.intuit.com/op/v1/jwks",
    "response_types_supported": ["code"],
    "subject_types_supported": ["public"],
    "id_token_signing_alg_values_supported": ["RS256"],
    "scopes_supported": ["openid", "email", "profile", "address", "phone"],
    "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
    "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
}
PATHS = {
    "issuer": "/op/v1",
    "authorization_endpoint": "/connect/oauth2",
    "token_endpoint": "/oauth2/v1/tokens/bearer",
    "userinfo_endpoint": "/v1/openid_connect/userinfo",
    "revocation_endpoint": "/v2/oauth2/tokens/revoke",
    "jwks_uri": "/op/v1/jwks",
}


def document(base_url: str) -> dict:
    """The production document with its endpoints on `base_url` (the simulator)."""
    return {**PRODUCTION, **{key: base_url + path for key, path in PATHS.items()}}
