"""What the Security and Sessions pages (and /api/v1/me*) show: read-only summaries."""

from __future__ import annotations

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.usersessions.models import UserSession

from billingone.accounts import policy
from billingone.accounts.devices import device_name
from billingone.accounts.models import LoginEvent, PasskeyEvent
from billingone.lib.geo import locate

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


def sessions(user, current_key: str | None) -> list[dict]:
    """The user's live sessions (web and app), the current one first."""
    rows = []
    for tracked in UserSession.objects.purge_and_list(user):
        rows.append(
            {
                "id": tracked.pk,
                "device": device_name(tracked.user_agent),
                "ip": tracked.ip,
                "location": locate(tracked.ip),
                "created_at": tracked.created_at,
                "last_seen_at": tracked.last_seen_at,
                "current": tracked.session_key == current_key,
            }
        )
    rows.sort(key=lambda row: (not row["current"], -row["last_seen_at"].timestamp()))
    return rows


def timeout_summary(user, organization=None) -> dict:
    idle = policy.idle_timeout(user)
    return {
        "org_minutes": getattr(organization, "session_timeout_minutes", None),
        "effective_idle_minutes": int(idle.total_seconds() // 60) if idle else None,
        "absolute_hours": round(policy.absolute_timeout().total_seconds() / 3600, 1),
    }
