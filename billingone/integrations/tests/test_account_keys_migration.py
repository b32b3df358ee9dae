"""Connections chosen before the shared OAuth connect get the neutral account keys the OAuth
pages and the webhook receiver read; others are left as they are."""

from __future__ import annotations

import pytest

from billingone.testing.migrations import migrate

BEFORE = [("integrations", "0003_sync_trigger_webhook")]
AFTER = [("integrations", "0004_connection_account_keys")]


@pytest.mark.django_db(transaction=True)
def test_legacy_account_keys_are_copied(personas, back_to_latest):
    old = migrate(BEFORE)
    Connection = old.get_model("integrations", "Connection")
    legacy = Connection.objects.create(
        organization_id=personas.org_a.pk, provider="acme", config={"tenant_id": "t-1", "tenant_name": "Books Ltd"}
    )
    current = Connection.objects.create(
        organization_id=personas.org_b.pk, provider="acme", config={"account_id": "a-2", "account_name": "Other"}
    )
    plain = Connection.objects.create(organization_id=personas.org_a.pk, provider="other", config={})
    new = migrate(AFTER).get_model("integrations", "Connection")
    assert new.objects.get(pk=legacy.pk).config == {"account_id": "t-1", "account_name": "Books Ltd"}
    assert new.objects.get(pk=current.pk).config == {"account_id": "a-2", "account_name": "Other"}
    assert new.objects.get(pk=plain.pk).config == {}
