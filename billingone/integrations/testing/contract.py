"""The provider contract suite: what every provider declares and does, against its simulator.

    class TestAcmeContract(ProviderContract):
        provider_class = Acme

        @pytest.fixture
        def good_credentials(self, acme_sim): return {...}   # the simulator is running and wired
        @pytest.fixture
        def bad_credentials(self, acme_sim): return {...}    # rejected for good (a wrong secret)

Syncs run through the engine (flows.request_sync → the task worker → runner.execute_run), so
the suite holds whether the provider still has `sync()` or yields records from `fetch()`.
"""

from __future__ import annotations

import dataclasses
from abc import ABC
from collections import defaultdict
from datetime import datetime

import pytest
from django.conf import settings

from billingone.integrations import registry
from billingone.integrations.base import (
    AuthKind,
    ConfigurationInvalid,
    NullProgress,
    Provider,
    ProviderContext,
    ProviderError,
    Unreachable,
)
from billingone.integrations.records import (
    KIND_OF,
    Batch,
    Checkpoint,
    Complete,
    InvoiceRecord,
    ItemWarning,
    Kind,
    Removed,
    SubscriptionRecord,
)
from billingone.integrations.testing.helpers import connect, free_port, run_sync, synced_rows

API_MODES = {"full", "delta", "reconcile", "invoices", "domains_hosting"}


class ProviderContract(ABC):
    """What every provider must do. Subclasses set `provider_class` and give the fixtures
    `good_credentials` and `bad_credentials` (with the simulator running)."""

    provider_class: type[Provider]

    def count_rows(self, organization) -> int:
        """How many synced rows the provider holds for the organization (not marked removed)."""
        return synced_rows(organization, self.provider_class.key)

    def make(self, organization, credentials: dict) -> Provider:
        return self.provider_class(ProviderContext(organization=organization, credentials=dict(credentials)))

    def full_mode(self) -> str:
        cls = self.provider_class
        return "full" if cls.mode("full") else cls.sync_modes[0].key

    def sync(self, organization, credentials: dict):
        """One complete run through the engine, on a connection holding `credentials`."""
        connect(organization, self.provider_class.key, credentials)
        return run_sync(organization, self.provider_class.key, self.full_mode())

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

    def test_fetch_yields_neutral_records_in_reference_order(self, personas, good_credentials):
        yielded = list(self.make(personas.org_a, good_credentials).fetch(self.full_mode(), None, NullProgress()))
        assert all(isinstance(item, Batch | Complete | Removed | Checkpoint | ItemWarning) for item in yielded)
        seen: dict[Kind, set[str]] = defaultdict(set)
        completed: set[Kind] = set()
        for item in yielded:
            if isinstance(item, Complete):
                completed.add(item.kind)
            if not isinstance(item, Batch) or not item.records:
                continue
            assert {KIND_OF[type(record)] for record in item.records} == {item.kind}, "one kind per batch"
            assert item.kind not in completed, f"{item.kind} records after its Complete"
            for record in item.records:
                assert record.external_id and record.external_id not in seen[item.kind], record.external_id
                assert_plain_values(record)
                assert_references_seen(record, seen)
                seen[item.kind].add(record.external_id)
        assert seen, "a full fetch yields records"
        assert completed >= set(seen), "a full scan ends every kind it read with Complete"

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


def assert_plain_values(record) -> None:
    """Money is Decimal (never float), times are aware."""
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        assert not isinstance(value, float), f"{type(record).__name__}.{field.name} is a float"
        if isinstance(value, datetime):
            assert value.tzinfo is not None, f"{type(record).__name__}.{field.name} is a naive datetime"


def assert_references_seen(record, seen: dict[Kind, set[str]]) -> None:
    """A subscription's or invoice's customer (and product) was yielded before it."""
    if isinstance(record, SubscriptionRecord | InvoiceRecord) and record.customer_id:
        assert record.customer_id in seen[Kind.CUSTOMER], f"{record.external_id} names an unseen customer"
    if isinstance(record, SubscriptionRecord) and record.product_id:
        assert record.product_id in seen[Kind.PRODUCT], f"{record.external_id} names an unseen product"
