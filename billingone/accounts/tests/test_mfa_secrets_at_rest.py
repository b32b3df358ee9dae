"""allauth's TOTP secrets and recovery-code seeds are stored encrypted, and rotate."""

from __future__ import annotations

import base64
import secrets

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management import call_command
from django.db import connection

from billingone.lib import crypto
from billingone.lib.crypto import DecryptionError

pytestmark = pytest.mark.django_db


def new_key(key_id: int) -> str:
    return f"{key_id}:" + base64.b64encode(secrets.token_bytes(32)).decode()


def test_totp_secret_and_recovery_seed_are_not_in_the_database(personas):
    secret = generate_totp_secret()
    TOTP.activate(personas.alice, secret)
    codes = RecoveryCodes.activate(personas.alice).get_unused_codes()
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM mfa_authenticator")
        raw = " ".join(str(row[0]) for row in cursor.fetchall())
    assert secret not in raw
    assert not any(code in raw for code in codes)
    assert raw.count("aes256gcm") == 2 and "mem:" not in raw
    assert stored(Authenticator.objects.get(user=personas.alice, type=Authenticator.Type.TOTP), "secret")[0] == "v"


def test_rotation_keeps_mfa_working(personas, settings):
    settings.FIELD_ENCRYPTION_KEYS = new_key(1)
    secret = generate_totp_secret()
    TOTP.activate(personas.alice, secret)
    codes = RecoveryCodes.activate(personas.alice).get_unused_codes()
    settings.FIELD_ENCRYPTION_KEYS = f"{new_key(2)},{settings.FIELD_ENCRYPTION_KEYS}"
    call_command("rotate_encryption_keys")
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS.split(",")[0]  # the old key is gone
    recovery = Authenticator.objects.get(user=personas.alice, type=Authenticator.Type.RECOVERY_CODES)
    assert RecoveryCodes(recovery).get_unused_codes() == codes
    totp = Authenticator.objects.get(user=personas.alice, type=Authenticator.Type.TOTP)
    assert stored(totp, "secret").startswith("v2:")
    assert TOTP(totp).validate_code(pyotp.TOTP(secret).now())


def stored(authenticator: Authenticator, key: str) -> str:
    """The value in the database (a loaded row holds the in-memory form)."""
    return Authenticator.objects.filter(pk=authenticator.pk).values_list("data", flat=True).get()[key]


def copy_secret(source: Authenticator, target: Authenticator, key: str) -> None:
    data = Authenticator.objects.filter(pk=target.pk).values_list("data", flat=True).get()
    data[key] = stored(source, key)
    Authenticator.objects.filter(pk=target.pk).update(data=data)


def test_a_totp_secret_copied_onto_another_users_row_does_not_open(personas):
    alice_secret, bob_secret = generate_totp_secret(), generate_totp_secret()
    alices = TOTP.activate(personas.alice, alice_secret).instance
    bobs = TOTP.activate(personas.bob, bob_secret).instance
    assert TOTP(Authenticator.objects.get(pk=bobs.pk)).validate_code(pyotp.TOTP(bob_secret).now())
    copy_secret(alices, bobs, "secret")  # someone with database write access swaps in Alice's secret
    moved = Authenticator.objects.get(pk=bobs.pk)
    with pytest.raises(DecryptionError):
        TOTP(moved).validate_code(pyotp.TOTP(alice_secret).now())


def test_a_recovery_seed_copied_onto_another_users_row_does_not_open(personas):
    alices = RecoveryCodes.activate(personas.alice).instance
    bobs = RecoveryCodes.activate(personas.bob).instance
    copy_secret(alices, bobs, "seed")
    with pytest.raises(DecryptionError):
        RecoveryCodes(Authenticator.objects.get(pk=bobs.pk)).get_unused_codes()


def test_rows_sealed_before_binding_are_bound_by_the_rotation_command(personas):
    secret = generate_totp_secret()
    row = TOTP.activate(personas.alice, secret).instance
    legacy = crypto.encrypt(secret, aad=crypto.associated_data("allauth.mfa", "authenticator"))
    Authenticator.objects.filter(pk=row.pk).update(data={"secret": legacy})
    with pytest.raises(DecryptionError):  # the purpose-only form no longer opens as it is
        TOTP(Authenticator.objects.get(pk=row.pk)).validate_code(pyotp.TOTP(secret).now())
    call_command("rotate_encryption_keys")
    assert stored(row, "secret") != legacy
    assert TOTP(Authenticator.objects.get(pk=row.pk)).validate_code(pyotp.TOTP(secret).now())
