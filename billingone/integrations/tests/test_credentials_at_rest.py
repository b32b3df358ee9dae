"""Integration credentials at rest (SECURITY.md 35): AES-256-GCM bound to organization + row,
tamper and swap fail, rotation re-encrypts, a missing key stops the app."""

from __future__ import annotations

import base64
import json
import secrets

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from billingone.integrations.apps import IntegrationsConfig
from billingone.integrations.models import Connection
from billingone.lib import crypto

SECRET = {"client_id": "id-123", "client_secret": "tok_TEST_SENTINEL_secret"}


def key(n: int) -> str:
    return f"{n}:" + base64.b64encode(secrets.token_bytes(32)).decode()


def stored(organization, provider="pax8", values=SECRET) -> Connection:
    connection = Connection.objects.create(organization=organization, provider=provider, status="connected")
    connection.set_credentials(values)
    connection.save()
    return connection


def test_credentials_are_encrypted_and_round_trip(personas):
    connection = stored(personas.org_a)
    raw = Connection.objects.values_list("credentials_token", flat=True).get(pk=connection.pk)
    assert raw.startswith("v") and ":aes256gcm:" in raw and "tok_TEST_SENTINEL" not in raw
    assert Connection.objects.get(pk=connection.pk).get_credentials() == SECRET


def test_a_token_moved_to_another_organization_or_row_fails(personas):
    a = stored(personas.org_a)
    b = stored(personas.org_b)
    b.credentials_token = a.credentials_token
    with pytest.raises(crypto.DecryptionError):
        b.get_credentials()
    other_provider = stored(personas.org_a, provider="xero")
    other_provider.credentials_token = a.credentials_token
    with pytest.raises(crypto.DecryptionError):
        other_provider.get_credentials()


def test_a_tampered_token_fails(personas):
    connection = stored(personas.org_a)
    head, body = connection.credentials_token.rsplit(":", 1)
    flipped = body[:-4] + ("AAAA" if body[-4:] != "AAAA" else "BBBB")
    connection.credentials_token = f"{head}:{flipped}"
    with pytest.raises(crypto.DecryptionError):
        connection.get_credentials()


def test_a_run_with_undecryptable_credentials_fails_permanently(pax8_sim, personas):
    from billingone.integrations import flows, runner
    from billingone.integrations.testing import connect_pax8, membership_of

    connect_pax8(personas.alice, personas.org_a)
    Connection.objects.filter(organization=personas.org_a).update(credentials_token="v1:aes256gcm:AAAA")
    run = flows.request_sync(
        personas.org_a, "pax8", trigger="person", membership=membership_of(personas.alice, personas.org_a)
    )
    runner.execute_run(run.pk)
    run.refresh_from_db()
    assert run.status == "failed" and run.permanent and "cannot be decrypted" in run.error_message


def test_rotation_reencrypts_under_the_new_primary_key(personas, settings, capsys):
    old = key(1)
    settings.FIELD_ENCRYPTION_KEYS = old
    connection = stored(personas.org_a)
    assert connection.credentials_token.startswith("v1:")
    settings.FIELD_ENCRYPTION_KEYS = f"{key(2)},{old}"
    call_command("rotate_encryption_keys")
    assert "integration credentials: 1 re-encrypted" in capsys.readouterr().out
    connection.refresh_from_db()
    assert connection.credentials_token.startswith("v2:")
    assert connection.get_credentials() == SECRET
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS.split(",")[0]  # old key dropped
    assert connection.get_credentials() == SECRET


def test_a_missing_key_stops_the_app(settings):
    settings.FIELD_ENCRYPTION_KEYS = ""
    with pytest.raises(ImproperlyConfigured):
        IntegrationsConfig.ready(IntegrationsConfig("billingone.integrations", __import__("billingone.integrations")))


def test_credentials_never_reach_logs(pax8_sim, personas, caplog):
    from billingone.integrations.testing import connect_pax8

    caplog.set_level("DEBUG")
    connect_pax8(
        personas.alice,
        personas.org_a,
        {"client_id": "demo-pax8-client", "client_secret": "demo-pax8-secret-0123456789"},
    )
    text = "\n".join(record.getMessage() + json.dumps(record.__dict__, default=str) for record in caplog.records)
    assert "demo-pax8-secret-0123456789" not in text
