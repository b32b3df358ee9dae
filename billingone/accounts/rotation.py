"""Re-encrypt allauth MFA secrets (TOTP secret, recovery-code seed) under the primary key."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.db import transaction

from billingone.accounts.adapter import MFA_AAD
from billingone.lib import crypto

ENCRYPTED_KEYS = {Authenticator.Type.TOTP: "secret", Authenticator.Type.RECOVERY_CODES: "seed"}


def rotate_mfa_secrets() -> int:
    changed = 0
    with transaction.atomic():
        rows = Authenticator.objects.select_for_update().filter(type__in=list(ENCRYPTED_KEYS))
        for authenticator in rows:
            key = ENCRYPTED_KEYS[authenticator.type]
            token = authenticator.data.get(key)
            fresh = crypto.reencrypt(token, aad=MFA_AAD) if token else None
            if fresh:
                authenticator.data[key] = fresh
                authenticator.save(update_fields=["data"])
                changed += 1
    return changed
