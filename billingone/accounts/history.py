"""Writing the user's login history and passkey audit log (read on Security and via the API)."""

from __future__ import annotations

from django.http import HttpRequest

from billingone.accounts.devices import device_name
from billingone.accounts.models import PASSKEY_NAME_MAX_LENGTH, LoginEvent, PasskeyEvent, User
from billingone.lib.geo import locate
from billingone.lib.net import client_ip


def _where(request: HttpRequest | None) -> dict:
    if request is None:
        return {"ip": None, "location": "", "device": ""}
    ip = client_ip(request) or None
    return {"ip": ip, "location": locate(ip), "device": device_name(request.headers.get("User-Agent", ""))}


def login_event(request: HttpRequest | None, user: User, *, outcome: str, method: str) -> LoginEvent:
    return LoginEvent.objects.create(user=user, outcome=outcome, method=method, **_where(request))


def passkey_event(
    request: HttpRequest | None, user: User, authenticator, *, event: str, name: str = ""
) -> PasskeyEvent:
    if not name and authenticator is not None:
        name = (authenticator.data or {}).get("name", "")
    return PasskeyEvent.objects.create(
        user=user,
        event=event,
        passkey_name=name[:PASSKEY_NAME_MAX_LENGTH],
        authenticator_id=getattr(authenticator, "pk", None),
        **_where(request),
    )


def login_method(records: list[dict]) -> str:
    """The strongest factor among allauth's authentication records of this sign-in."""
    methods = LoginEvent.Method
    kinds = [(r.get("method"), r.get("type"), r.get("passwordless")) for r in records]
    if any(kind[:2] == ("mfa", "webauthn") for kind in kinds):
        return methods.PASSKEY
    if any(kind[:2] == ("mfa", "recovery_codes") for kind in kinds):
        return methods.RECOVERY_CODE
    if any(kind[:2] == ("mfa", "totp") for kind in kinds):
        return methods.TOTP
    return methods.PASSWORD
