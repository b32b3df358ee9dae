"""The provider contract suite: what every provider declares and does, against its simulator.

    class TestAcmeContract(ProviderContract):
        provider_class = Acme

        @pytest.fixture
        def good_credentials(self, acme_sim): return {...}   # the simulator is running and wired
        @pytest.fixture
        def bad_credentials(self, acme_sim): return {...}    # rejected for good (a wrong secret)
        def count_rows(self, organization): return ...        # synced rows, not marked removed

Syncs run through the engine (flows.request_sync → the task worker → runner.execute_run), so
the suite holds whether the provider still has `sync()` or yields records from `fetch()`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import pytest
from django.conf import settings

from billingone.integrations import registry
from billingone.integrations.base import (
    AuthKind,
    ConfigurationInvalid,
    Provider,
    ProviderContext,
    ProviderError,
    Unreachable,
)
from billingone.integrations.testing.helpers import connect, free_port, run_sync

API_MODES = {"full", "delta", "reconcile", "invoices", "domains_hosting"}


class ProviderContract(ABC):
    """What every provider must do. Subclasses set `provider_class`, give the fixtures
    `good_credentials` and `bad_credentials` (with the simulator running) and `count_rows`."""

    provider_class: type[Provider]

    @abstractmethod
    def count_rows(self, organization) -> int:
        """How many synced rows the provider holds for the organization (not marked removed)."""

    def make(self, organization, credentials: dict) -> Provider:
        return self.provider_class(ProviderContext(organization=organization, credentials=dict(credentials)))

    def sync(self, organization, credentials: dict):
        """One complete run ("full" when the provider has it, else its first mode) through the
        engine, on a connection holding `credentials`."""
        cls = self.provider_class
        connect(organization, cls.key, credentials)
        return run_sync(organization, cls.key, "full" if cls.mode("full") else cls.sync_modes[0].key)

    def test_descriptor_is_complete(self):
        cls = self.provider_class
        assert registry.PROVIDERS[cls.key] is cls
        assert cls.name and cls.syncs and cls.description
        assert cls.auth in set(AuthKind)
        assert cls.sync_modes and {mode.key for mode in cls.sync_modes} <= API_MODES
        if cls.auth == AuthKind.CREDENTIALS:
            assert any(field.secret for field in cls.credential_fields), "a credentials provider has a secret"
        for name in cls.url_settings:
            assert getattr(settings, name), f"{name} must be configured"
        assert cls.rate_limit.calls > 0 and cls.rate_limit.concurrency > 0

    def test_connection_with_good_credentials(self, personas, good_credentials):
        self.make(personas.org_a, good_credentials).test_connection()

    def test_bad_credentials_are_a_permanent_error_without_the_secret(self, personas, bad_credentials):
        with pytest.raises(ProviderError) as caught:
            self.make(personas.org_a, bad_credentials).test_connection()
        assert caught.value.permanent
        for field in self.provider_class.credential_fields:
            value = bad_credentials.get(field.name, "")
            if field.secret and value:
                assert value not in str(caught.value)

    def test_sync_counts_progress_and_is_idempotent(self, personas, good_credentials):
        first = self.sync(personas.org_a, good_credentials)
        assert first.status == "succeeded", first.error_message
        assert first.created > 0 and first.created == self.count_rows(personas.org_a)
        assert first.progress_done == first.progress_total > 0
        again = self.sync(personas.org_a, good_credentials)
        assert again.status == "succeeded", again.error_message
        assert (again.created, again.updated, again.removed) == (0, 0, 0)
        assert again.unchanged == first.created
        assert self.count_rows(personas.org_a) == first.created

    def test_sync_of_one_organization_leaves_another_untouched(self, personas, good_credentials):
        assert self.sync(personas.org_a, good_credentials).status == "succeeded"
        rows_a = self.count_rows(personas.org_a)
        assert self.sync(personas.org_b, good_credentials).status == "succeeded"
        assert self.count_rows(personas.org_a) == rows_a
        assert self.count_rows(personas.org_b) == rows_a

    def test_unreachable_provider_is_transient(self, personas, good_credentials, settings):
        port = free_port()  # nothing listens here
        for name in self.provider_class.url_settings:
            settings_value = getattr(settings, name)
            _scheme, _, rest = settings_value.partition("://")
            path = rest.partition("/")[2]
            setattr(settings, name, f"http://127.0.0.1:{port}/{path}")
        settings.INTEGRATION_SIMULATOR_HOSTS = [f"127.0.0.1:{port}"]
        with pytest.raises(Unreachable) as caught:
            self.make(personas.org_a, good_credentials).test_connection()
        assert not caught.value.permanent

    def test_private_hosts_are_refused_unless_a_configured_simulator(self, personas, good_credentials, settings):
        settings.INTEGRATION_SIMULATOR_HOSTS = []
        with pytest.raises(ConfigurationInvalid):
            self.make(personas.org_a, good_credentials).test_connection()
