"""Secrets at rest: AES-256-GCM, versioned keys, bound context, rotation, fail closed."""

from __future__ import annotations

import base64
import secrets

import pytest
from django.core.exceptions import ImproperlyConfigured

from billingone.lib import crypto

AAD_A = crypto.associated_data(1, "integrations.credential", 10)
AAD_B = crypto.associated_data(2, "integrations.credential", 10)


def key(n: int) -> str:
    return f"{n}:" + base64.b64encode(secrets.token_bytes(32)).decode()


def test_round_trip_and_header(settings):
    settings.FIELD_ENCRYPTION_KEYS = key(7)
    token = crypto.encrypt("tok_TEST_SENTINEL", aad=AAD_A)
    assert token.startswith("v7:aes256gcm:")
    assert "tok_TEST_SENTINEL" not in token
    assert crypto.decrypt(token, aad=AAD_A) == "tok_TEST_SENTINEL"


def test_each_encryption_uses_a_fresh_nonce(settings):
    settings.FIELD_ENCRYPTION_KEYS = key(1)
    assert crypto.encrypt("same", aad=AAD_A) != crypto.encrypt("same", aad=AAD_A)


def test_a_flipped_byte_fails(settings):
    settings.FIELD_ENCRYPTION_KEYS = key(1)
    token = crypto.encrypt("secret", aad=AAD_A)
    head, body = token.rsplit(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[-1] ^= 1
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(f"{head}:{base64.urlsafe_b64encode(bytes(raw)).decode()}", aad=AAD_A)


def test_a_ciphertext_moved_to_another_organization_fails(settings):
    settings.FIELD_ENCRYPTION_KEYS = key(1)
    token = crypto.encrypt("secret", aad=AAD_A)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, aad=AAD_B)


@pytest.mark.parametrize("garbage", ["", "plain text", "v1:aes128cbc:abc", "v1:aes256gcm:!!!", "vX:aes256gcm:AAAA"])
def test_garbage_is_refused(settings, garbage):
    settings.FIELD_ENCRYPTION_KEYS = key(1)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(garbage, aad=AAD_A)


def test_rotation_reencrypts_under_the_new_primary(settings):
    old = key(1)
    settings.FIELD_ENCRYPTION_KEYS = old
    token = crypto.encrypt("secret", aad=AAD_A)
    settings.FIELD_ENCRYPTION_KEYS = f"{key(2)},{old}"  # new primary first, old kept to read
    assert crypto.decrypt(token, aad=AAD_A) == "secret"
    fresh = crypto.reencrypt(token, aad=AAD_A)
    assert fresh.startswith("v2:") and crypto.reencrypt(fresh, aad=AAD_A) is None
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS.split(",")[0]  # drop key 1
    assert crypto.decrypt(fresh, aad=AAD_A) == "secret"
    with pytest.raises(crypto.DecryptionError, match="key 1 is not configured"):
        crypto.decrypt(token, aad=AAD_A)


@pytest.mark.parametrize("setting", ["", "1:short", "x:" + base64.b64encode(b"k" * 32).decode(), "1:%%%"])
def test_missing_or_bad_keys_fail_closed(settings, setting):
    settings.FIELD_ENCRYPTION_KEYS = setting
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("secret", aad=AAD_A)


def test_duplicate_key_ids_are_refused():
    with pytest.raises(ImproperlyConfigured, match="twice"):
        crypto.KeyRing.parse(f"{key(1)},{key(1)}")


@pytest.mark.django_db
def test_rotate_command_runs_every_registered_rotator(settings, capsys):
    from django.core.management import call_command

    settings.FIELD_ENCRYPTION_KEYS = key(3)
    calls = []
    crypto.register_rotator("test rows", lambda: calls.append(1) or 4)
    try:
        call_command("rotate_encryption_keys")
    finally:
        del crypto.ROTATORS["test rows"]
    out = capsys.readouterr().out
    assert calls == [1] and "test rows: 4 re-encrypted under key 3" in out
