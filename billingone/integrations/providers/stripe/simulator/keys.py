"""API keys the simulator knows: secret (`sk_`) and restricted (`rk_`) keys, test or live mode,
each restricted key with its permissions, checked the way Stripe checks them (Bearer or Basic
auth with the key as the user name; the official error messages)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

ACCOUNT_ID = "acct_1BillingOneSimDemo"
# The simulator's published demo keys (never real ones): what `make run` connects with.
DEMO_SECRET_KEY = "sk_test_51BillingOneSimDemoSecretKey0000000000000000"
DEMO_RESTRICTED_KEY = "rk_test_51BillingOneSimDemoPaymentLinksRead00000000"
DEMO_LIVE_KEY = "rk_live_51BillingOneSimDemoPaymentLinksRead00000000"
DEMO_NO_PERMISSION_KEY = "rk_test_51BillingOneSimDemoChargesReadOnly000000000"
READ_PERMISSIONS = frozenset({"rak_payment_link_read", "rak_checkout_session_read", "rak_event_read"})
# Which permission each endpoint needs (the path's first segment after /v1/).
PERMISSION_OF = {
    ("GET", "payment_links"): "rak_payment_link_read",
    ("POST", "payment_links"): "rak_payment_link_write",
    ("GET", "checkout"): "rak_checkout_session_read",
    ("GET", "events"): "rak_event_read",
}


@dataclass(frozen=True)
class ApiKey:
    value: str
    permissions: frozenset[str] | None = None  # None: a secret key, allowed everything

    @property
    def livemode(self) -> bool:
        return "_live_" in self.value

    @property
    def restricted(self) -> bool:
        return self.value.startswith("rk_")

    def allows(self, permission: str) -> bool:
        return self.permissions is None or permission in self.permissions


def masked(key: str) -> str:
    """How Stripe quotes a key in errors: its prefix and last four characters."""
    prefix = key[: key.index("_", 3) + 1] if key.count("_") >= 2 else ""
    return prefix + "*" * max(0, len(key) - len(prefix) - 4) + key[-4:]


class AuthError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


class Keys:
    def __init__(self):
        self.keys: dict[str, ApiKey] = {}
        self.add(DEMO_SECRET_KEY)
        self.add(DEMO_RESTRICTED_KEY, READ_PERMISSIONS)
        self.add(DEMO_LIVE_KEY, READ_PERMISSIONS)
        self.add(DEMO_NO_PERMISSION_KEY, {"rak_charge_read"})

    def add(self, value: str, permissions: set[str] | frozenset[str] | None = None) -> ApiKey:
        if not value.startswith(("sk_test_", "sk_live_", "rk_test_", "rk_live_")):
            raise ValueError("A key starts with sk_test_, sk_live_, rk_test_ or rk_live_")
        if value.startswith("rk_") and permissions is None:
            permissions = READ_PERMISSIONS
        key = ApiKey(value, None if value.startswith("sk_") else frozenset(permissions or ()))
        self.keys[value] = key
        return key

    def revoke(self, value: str) -> None:
        self.keys.pop(value, None)

    def expire(self, value: str) -> None:
        """The key was rolled (or expired): Stripe refuses it from now on."""
        self.revoke(value)

    def authenticate(self, authorization: str) -> ApiKey:
        value = self._key_from(authorization)
        if not value:
            raise AuthError(
                401,
                "You did not provide an API key. You need to provide your API key in the Authorization header, "
                "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). "
                "See https://stripe.com/docs/api#authentication for details, or we can help at "
                "https://support.stripe.com/.",
            )
        if value.startswith("pk_"):
            raise AuthError(
                401,
                "This API call cannot be made with a publishable API key. Please use a secret API key. "
                "You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.",
                "secret_key_required",
            )
        key = self.keys.get(value)
        if key is None:
            raise AuthError(401, f"Invalid API Key provided: {masked(value)}")
        return key

    @staticmethod
    def _key_from(authorization: str) -> str:
        scheme, _, credentials = authorization.strip().partition(" ")
        if scheme.lower() == "bearer":
            return credentials.strip()
        if scheme.lower() == "basic":
            try:
                return base64.b64decode(credentials.strip()).decode().partition(":")[0]
            except (binascii.Error, UnicodeDecodeError):
                return ""
        return ""

    @staticmethod
    def check_permission(key: ApiKey, method: str, resource: str) -> None:
        permission = PERMISSION_OF.get((method, resource))
        if permission is None or key.allows(permission):
            return
        raise AuthError(
            403,
            f"The provided key '{masked(key.value)}' does not have the required permissions for this endpoint "
            f"on account '{ACCOUNT_ID}'. Having the '{permission}' permission would allow this request to continue.",
        )
