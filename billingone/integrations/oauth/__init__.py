"""One OAuth2 authorization-code connect for every OAuth provider, on Authlib's httpx client.

A provider supplies only an `OAuthHooks` (hooks.py) in `providers/<key>/auth.py` and points its
`Provider.oauth` at it: the settings naming its endpoints and app, its scopes, how to list the
accounts a grant covers (Xero organisations) or read the one the callback names (QuickBooks'
`realmId`), and an account's name. Everything else is here and shared:

- session.py  the single-use, 10-minute state bound to session, user, organization and provider,
              and the PKCE (S256) verifier kept server-side
- client.py   Authlib's OAuth2Client behind our outbound-HTTP policy: code exchange, refresh, revoke
- tokens.py   refresh with rotation under the connection's row lock; invalid_grant → needs attention
- flows.py    start, callback, choose the account, own app, disconnect (revoking at the provider)
- views.py / urls.py and templates/integrations/oauth*.html serve every OAuth provider
"""
