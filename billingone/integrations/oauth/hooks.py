"""What an OAuth provider supplies: `OAuthHooks` (settings names, scopes, account hooks), and the
small value types the shared flow passes around (`OAuthApp`, `Account`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from billingone.integrations.base import ConfigurationInvalid, RateLimit

OWN_APP_FIELDS = ("own_client_id", "own_client_secret")
IDENTITY_RATE = RateLimit(calls=60, period=60.0, concurrency=2)  # token endpoints: seldom called


@dataclass(frozen=True)
class OAuthApp:
    """The OAuth client a flow uses: the platform's app or the organization's own."""

    client_id: str
    client_secret: str
    kind: str = "platform"  # "platform" | "own"

    def __repr__(self) -> str:  # the secret never lands in a log or traceback
        return f"OAuthApp(client_id={self.client_id!r}, kind={self.kind!r})"


@dataclass(frozen=True)
class Account:
    """One account a grant covers (a Xero organisation, a QuickBooks company)."""

    id: str
    name: str
    extra: dict[str, Any] = field(default_factory=dict)  # what the provider needs later (Xero's connection id)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "extra": dict(self.extra)}

    @classmethod
    def from_dict(cls, value: dict[str, Any]) -> Account:
        return cls(str(value["id"]), str(value.get("name") or value["id"]), dict(value.get("extra") or {}))


@dataclass(frozen=True)
class OAuthHooks:
    """A provider's OAuth description. Settings are named, not read at import, so tests and
    deployments can point them elsewhere.

    Accounts: either the callback names the account (`account_param`, e.g. QuickBooks' realmId;
    `account_name(access_token, account_id)` then names it), or `list_accounts(access_token)`
    lists what the grant covers (Xero's /connections) and the person picks one when there are
    several. `release_accounts(access_token, accounts)` drops the ones not chosen (best effort).
    """

    provider: str
    name: str
    scopes: tuple[str, ...]
    authorize_url_setting: str
    token_url_setting: str
    revoke_url_setting: str
    redirect_uri_setting: str
    client_id_setting: str
    client_secret_setting: str
    scopes_explained: str = ""
    account_label: str = "account"
    account_param: str = ""
    list_accounts: Callable[[str], list[Account]] | None = None
    account_name: Callable[[str, str], str] | None = None
    release_accounts: Callable[[str, list[Account]], None] | None = None
    extra_url_settings: tuple[str, ...] = ()  # other hosts the account hooks call (Xero's API)
    identity_rate: RateLimit = IDENTITY_RATE
    own_app_help: str = ""

    @staticmethod
    def setting(name: str) -> str:
        return getattr(settings, name, "") or ""

    @property
    def authorize_url(self) -> str:
        return self.setting(self.authorize_url_setting)

    @property
    def token_url(self) -> str:
        return self.setting(self.token_url_setting)

    @property
    def revoke_url(self) -> str:
        return self.setting(self.revoke_url_setting)

    @property
    def redirect_uri(self) -> str:
        return self.setting(self.redirect_uri_setting)

    @property
    def url_settings(self) -> tuple[str, ...]:
        return (self.authorize_url_setting, self.token_url_setting, self.revoke_url_setting, *self.extra_url_settings)

    def allowed_urls(self) -> list[str]:
        return [self.setting(name) for name in self.url_settings if self.setting(name)]

    @property
    def reauth_message(self) -> str:
        return (
            f"{self.name} no longer accepts BillingOne's access (the grant was revoked or expired). "
            f"Reconnect {self.name}."
        )

    def platform_app(self) -> OAuthApp | None:
        client_id, secret = self.setting(self.client_id_setting), self.setting(self.client_secret_setting)
        return OAuthApp(client_id, secret, "platform") if client_id and secret else None

    def app_for(self, credentials: dict[str, Any]) -> OAuthApp:
        """The organization's own app when one is configured, else the platform's."""
        if credentials.get("own_client_id") and credentials.get("own_client_secret"):
            return OAuthApp(credentials["own_client_id"], credentials["own_client_secret"], "own")
        app = self.platform_app()
        if app is None:
            raise ConfigurationInvalid(
                f"No {self.name} app is configured: enter your own app's client ID and secret, or ask your "
                f"administrator to set {self.client_id_setting} and {self.client_secret_setting}."
            )
        return app

    def missing_scopes(self, granted: list[str] | None) -> list[str]:
        """Scopes we ask for today that the stored grant lacks (None: granted before we recorded them)."""
        have = set(granted or ())
        return [scope for scope in self.scopes if scope not in have]
