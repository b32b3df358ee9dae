"""Test Connection: `GET /v1/payment_links?limit=1` with the version pinned, and one distinct
diagnostic per way it fails (key rejected, permission missing, wrong mode, unreachable)."""

from __future__ import annotations

import pytest

from billingone.integrations.base import (
    ConfigurationInvalid,
    CredentialsRejected,
    PermissionMissing,
    ProviderContext,
    Unreachable,
)
from billingone.integrations.providers.stripe.client import API_VERSION
from billingone.integrations.providers.stripe.provider import Stripe
from billingone.integrations.providers.stripe.simulator.keys import (
    DEMO_LIVE_KEY,
    DEMO_NO_PERMISSION_KEY,
    DEMO_RESTRICTED_KEY,
    DEMO_SECRET_KEY,
)
from billingone.integrations.testing import free_port


def provider(organization, key: str, **config) -> Stripe:
    return Stripe(ProviderContext(organization=organization, credentials={"api_key": key}, config=config))


@pytest.mark.parametrize("key", [DEMO_RESTRICTED_KEY, DEMO_SECRET_KEY])
def test_restricted_or_secret_key_connects_with_one_pinned_call(stripe_sim, personas, key):
    provider(personas.org_a, key).test_connection()
    assert [(r["method"], r["path"], r["version"]) for r in stripe_sim.requests] == [
        ("GET", "/v1/payment_links?limit=1", API_VERSION)
    ]


def test_rejected_key_is_permanent_and_never_echoed(stripe_sim, personas):
    wrong = "rk_test_51ThisKeyWasRolledLongAgo000000000000000000"
    with pytest.raises(CredentialsRejected) as caught:
        provider(personas.org_a, wrong).test_connection()
    assert caught.value.permanent and caught.value.field == "api_key"
    assert wrong not in caught.value.message and wrong[-4:] not in caught.value.message


def test_key_without_payment_link_read_says_which_permission(stripe_sim, personas):
    with pytest.raises(PermissionMissing) as caught:
        provider(personas.org_a, DEMO_NO_PERMISSION_KEY).test_connection()
    assert "Payment Links: Read" in caught.value.message and caught.value.permanent


def test_test_mode_key_in_a_live_organization_says_which_mode(stripe_sim, personas, settings):
    settings.STRIPE_TEST_MODE_ORGS = []
    with pytest.raises(ConfigurationInvalid) as caught:
        provider(personas.org_a, DEMO_RESTRICTED_KEY).test_connection()
    assert "test-mode key" in caught.value.message and "connection is live" in caught.value.message
    assert stripe_sim.requests == []  # refused before anything is sent
    provider(personas.org_a, DEMO_LIVE_KEY).test_connection()


def test_live_key_in_a_sandbox_is_refused(stripe_sim, personas):
    with pytest.raises(ConfigurationInvalid) as caught:
        provider(personas.org_a, DEMO_LIVE_KEY).test_connection()
    assert "live-mode key" in caught.value.message and "sandbox" in caught.value.message


def test_connection_mode_config_wins_over_the_setting(stripe_sim, personas):
    provider(personas.org_a, DEMO_LIVE_KEY, mode="live").test_connection()
    with pytest.raises(ConfigurationInvalid):
        provider(personas.org_a, DEMO_RESTRICTED_KEY, mode="live").test_connection()


def test_publishable_key_is_not_a_key(stripe_sim, personas):
    with pytest.raises(ConfigurationInvalid) as caught:
        provider(personas.org_a, "pk_test_51Whatever").test_connection()
    assert "Publishable keys" in caught.value.message


def test_unreachable_is_transient(stripe_sim, personas, settings):
    port = free_port()
    settings.STRIPE_API_URL = f"http://127.0.0.1:{port}"
    settings.INTEGRATION_SIMULATOR_HOSTS = [f"127.0.0.1:{port}"]
    with pytest.raises(Unreachable) as caught:
        provider(personas.org_a, DEMO_RESTRICTED_KEY).test_connection()
    assert not caught.value.permanent and "could not be reached" in caught.value.message
