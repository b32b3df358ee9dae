"""allauth's TOTP secrets and recovery-code seeds are stored encrypted, and rotate."""

from __future__ import annotations

import base64
import secrets

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management import call_command
from django.db import connection

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
    assert raw.count("aes256gcm") == 2
    totp = Authenticator.objects.get(user=personas.alice, type=Authenticator.Type.TOTP)
    assert TOTP(totp).instance.data["secret"].startswith("v")


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
    assert totp.data["secret"].startswith("v2:")
