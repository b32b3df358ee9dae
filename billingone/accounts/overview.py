"""What the Security and Sessions pages (and /api/v1/me*) show: read-only summaries."""

from __future__ import annotations

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

from billingone.accounts import policy
from billingone.accounts.models import LoginEvent, PasskeyEvent

LOW_RECOVERY_CODES = 3  # warn when this many or fewer are left


def mfa_state(user) -> dict:
    authenticators = list(Authenticator.objects.filter(user_id=user.pk).order_by("created_at"))
    totp = next((a for a in authenticators if a.type == Authenticator.Type.TOTP), None)
    recovery = next((a for a in authenticators if a.type == Authenticator.Type.RECOVERY_CODES), None)
    passkeys = [a for a in authenticators if a.type == Authenticator.Type.WEBAUTHN]
    codes_left = len(RecoveryCodes(recovery).get_unused_codes()) if recovery else 0
    return {
        "totp": totp,
        "recovery": recovery,
        "recovery_codes_left": codes_left,
        "recovery_codes_total": mfa_settings.RECOVERY_CODE_COUNT,
        "recovery_codes_low": bool(recovery) and codes_left <= LOW_RECOVERY_CODES,
        "passkeys": [
            {
                "id": a.pk,
                "name": a.wrap().name,
                "created_at": a.created_at,
                "last_used_at": a.last_used_at,
                "passwordless": bool(a.wrap().is_passwordless),
            }
            for a in passkeys
        ],
        "enabled": bool(totp or passkeys),
    }


def login_history(user):
    return LoginEvent.objects.filter(user=user).order_by("-created_at", "-id")


def passkey_history(user):
    return PasskeyEvent.objects.filter(user=user).order_by("-created_at", "-id")


def timeout_summary(user, organization=None) -> dict:
    idle = policy.idle_timeout(user)
    return {
        "org_minutes": getattr(organization, "session_timeout_minutes", None),
        "effective_idle_minutes": int(idle.total_seconds() // 60) if idle else None,
        "absolute_hours": round(policy.absolute_timeout().total_seconds() / 3600, 1),
    }
