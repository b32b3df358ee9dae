"""Re-encrypt allauth MFA secrets (TOTP secret, recovery-code seed) under the primary key, bound to
their user and row. Rows written before secrets were row-bound (purpose-only AAD) are bound too."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.db import transaction

from billingone.accounts import mfa_secrets
from billingone.lib import crypto


def stored_opener(user_id: object, kind: str, row_id: object):
    """Reads a stored token: row-bound (current) or purpose-only (written before binding)."""

    def open_token(token: str) -> str:
        for aad in (mfa_secrets.row_aad(user_id, kind, row_id), mfa_secrets.MEMORY_AAD):
            try:
                return crypto.decrypt(token, aad=aad)
            except crypto.DecryptionError:
                continue
        raise crypto.DecryptionError(f"authenticator {row_id}: a secret does not verify")

    return open_token


def needs_rewrite(data: dict, kind: str, user_id: object, row_id: object) -> bool:
    primary = crypto.keyring().primary_id
    for key in mfa_secrets.SECRET_KEYS[kind]:
        value = data.get(key)
        for token in value if isinstance(value, list) else [value] if isinstance(value, str) else []:
            if crypto.key_id_of(token) != primary:
                return True
            try:
                crypto.decrypt(token, aad=mfa_secrets.row_aad(user_id, kind, row_id))
            except crypto.DecryptionError:
                return True
    return False


def rotate_mfa_secrets(authenticators=Authenticator.objects) -> int:
    """Rows rewritten. Reads raw values (no post_init unwrapping) and writes with update()."""
    changed = 0
    with transaction.atomic():
        rows = authenticators.select_for_update().filter(type__in=list(mfa_secrets.SECRET_KEYS))
        for pk, user_id, kind, data in rows.values_list("pk", "user_id", "type", "data"):
            if not needs_rewrite(data, kind, user_id, pk):
                continue
            opener = stored_opener(user_id, kind, pk)
            fresh = mfa_secrets.rebind_stored(data, kind, user_id, pk, opener)
            authenticators.filter(pk=pk).update(data=fresh)
            changed += 1
    return changed
