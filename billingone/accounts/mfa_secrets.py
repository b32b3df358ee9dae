"""TOTP secrets and recovery-code seeds at rest, bound to their user and authenticator row.

allauth asks the adapter to encrypt and decrypt without saying which row a secret belongs to. So the
database holds each secret sealed with associated data naming (user, type, row), and a loaded
Authenticator carries it in memory re-sealed for allauth's adapter ("mem:" tokens). A ciphertext
copied onto another user's row, or another row of the same user, does not open there: the row reads
as having no usable secret (every code is refused).

  post_init  stored (row-bound) → in-memory token
  pre_save   in-memory → stored; a new row, whose id is not known yet, binds to (user, type) ...
  post_save  ... and is re-bound to its id at once (one UPDATE)
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator

from billingone.lib import crypto

IN_MEMORY = "mem:"
# The purpose-only AAD of the in-memory tokens (and of rows written before secrets were bound).
MEMORY_AAD = crypto.associated_data("allauth.mfa", "authenticator")
SECRET_KEYS = {Authenticator.Type.TOTP: ("secret",), Authenticator.Type.RECOVERY_CODES: ("seed", "migrated_codes")}
UNSAVED = "new"


def row_aad(user_id: object, kind: str, row_id: object) -> bytes:
    return crypto.associated_data("allauth.mfa", user_id, kind, row_id)


def seal_in_memory(plaintext: str) -> str:
    return IN_MEMORY + crypto.encrypt(plaintext, aad=MEMORY_AAD)


def open_in_memory(token: str) -> str:
    if not token.startswith(IN_MEMORY):
        raise crypto.DecryptionError("this secret does not belong to this authenticator")
    return crypto.decrypt(token.removeprefix(IN_MEMORY), aad=MEMORY_AAD)


def _map_tokens(instance: Authenticator, convert) -> None:
    """Apply `convert` to every secret token of the row (a string, or a list of them)."""
    for key in SECRET_KEYS.get(instance.type, ()):
        value = (instance.data or {}).get(key)
        if isinstance(value, str):
            instance.data[key] = convert(value)
        elif isinstance(value, list):
            instance.data[key] = [convert(item) if isinstance(item, str) else item for item in value]


def _stored_to_memory(instance: Authenticator, token: str) -> str:
    if token.startswith(IN_MEMORY):
        return ""  # an in-memory token found in the database was put there by hand: unusable
    for row_id in (instance.pk, UNSAVED):
        try:
            return seal_in_memory(crypto.decrypt(token, aad=row_aad(instance.user_id, instance.type, row_id)))
        except crypto.DecryptionError:
            continue
    return ""  # moved from another row or tampered with: no usable secret


def _memory_to_stored(instance: Authenticator, token: str, row_id: object) -> str:
    if not token.startswith(IN_MEMORY):
        return token
    return crypto.encrypt(open_in_memory(token), aad=row_aad(instance.user_id, instance.type, row_id))


def on_init(sender, instance: Authenticator, **kwargs) -> None:
    if instance.pk and instance.type in SECRET_KEYS:
        _map_tokens(instance, lambda token: _stored_to_memory(instance, token))


def on_pre_save(sender, instance: Authenticator, **kwargs) -> None:
    if instance.type not in SECRET_KEYS:
        return
    instance._in_memory_data = dict(instance.data)
    _map_tokens(instance, lambda token: _memory_to_stored(instance, token, instance.pk or UNSAVED))


def on_post_save(sender, instance: Authenticator, created: bool, **kwargs) -> None:
    in_memory = getattr(instance, "_in_memory_data", None)
    if in_memory is None:
        return
    if created:
        instance.data = dict(in_memory)
        _map_tokens(instance, lambda token: _memory_to_stored(instance, token, instance.pk))
        Authenticator.objects.filter(pk=instance.pk).update(data=instance.data)
    instance.data = in_memory
    del instance._in_memory_data


def rebind_stored(data: dict, kind: str, user_id: object, row_id: object, opener) -> dict:
    """The row's data with every secret re-sealed for (user, type, row); `opener` reads the old token.
    Used by the migration (purpose-only → row-bound) and by key rotation."""
    fresh = dict(data)
    for key in SECRET_KEYS.get(kind, ()):
        value = fresh.get(key)
        if isinstance(value, str):
            fresh[key] = crypto.encrypt(opener(value), aad=row_aad(user_id, kind, row_id))
        elif isinstance(value, list):
            fresh[key] = [crypto.encrypt(opener(v), aad=row_aad(user_id, kind, row_id)) for v in value]
    return fresh
