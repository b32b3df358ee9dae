"""Named rate-limit budgets, fed to allauth as settings.ACCOUNT_RATE_LIMITS.

No Django imports: settings.py reads this module. allauth counts each budget in the shared
cache (Redis in production) and takes the client IP from the trusted proxy hop only
(ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT), so a forged X-Forwarded-For does not
buy a fresh bucket. docs/accounts.md repeats this table.
"""

from __future__ import annotations

from typing import NamedTuple


class Budget(NamedTuple):
    action: str  # the allauth rate-limit action that spends it
    key: str  # what one bucket counts
    rate: str  # allauth syntax: "<n>/<period>/<per>" joined by commas
    reason: str
    app: str = "account"  # "account" → ACCOUNT_RATE_LIMITS, "mfa" → MFA_RATE_LIMITS


BUDGETS: dict[str, Budget] = {
    "password": Budget(
        "login_failed",
        "ip, and the email signed in to",
        "10/m/ip,5/5m/key",
        "Password guessing: 5 wrong passwords per account per 5 min (NIST asks ≤ 100), 10/min per IP against spraying.",
    ),
    "totp_and_recovery_code": Budget(
        "login_failed",
        "ip, and mfa-auth-user-<pk>",
        "10/m/ip,5/5m/key",
        "Code guessing: one field takes a TOTP or a recovery code, so both share one per-user bucket of 5 per 5 min.",
    ),
    "passkey_failure": Budget(
        "passkey_failed",
        "ip",
        "10/m/ip",
        "Forged or replayed assertions: per IP only, as the account in a passkey response is attacker-chosen.",
    ),
    "passkey_sign_in": Budget(
        "webauthn_login",
        "ip",
        "10/m/ip",
        "Passwordless sign-in attempts of any outcome: there is no per-account secret to count against.",
        app="mfa",
    ),
    "sign_in": Budget("login", "ip", "30/m/ip", "Sign-in form posts per IP: slows credential stuffing."),
    "reauthenticate": Budget(
        "reauthenticate", "user", "10/m/user", "Step-up prompts guess the password of a live session."
    ),
    "change_password": Budget(
        "change_password", "user", "5/m/user", "The current-password check is itself a password oracle."
    ),
}


def allauth_rate_limits(app: str = "account") -> dict[str, str]:
    rates: dict[str, str] = {}
    for budget in BUDGETS.values():
        if budget.app != app:
            continue
        if rates.setdefault(budget.action, budget.rate) != budget.rate:
            raise ValueError(f"Budgets sharing allauth action {budget.action!r} must share one rate")
    return rates
