"""Test helpers every provider reuses: the provider contract suite and simulator fixtures.

    class TestXeroContract(ProviderContract):
        provider_class = Xero

        @pytest.fixture
        def good_credentials(self, xero_sim): return {...}
        @pytest.fixture
        def bad_credentials(self, xero_sim): return {...}
        def count_rows(self, organization): return XeroContact.objects.filter(organization=organization).count()

The subclass's fixtures start the provider's simulator (a real socket) and point settings at
it; the contract then checks what every provider must do.
"""

from __future__ import annotations

import socket
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager

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

API_MODES = {"full", "delta", "reconcile", "invoices", "domains_hosting"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fast_http(settings) -> None:
    """No real waiting between in-request retries in tests (the limiter's waits stay real)."""
    settings.INTEGRATION_HTTP_BACKOFF_SECONDS = 0.001
    settings.INTEGRATION_HTTP_TIMEOUT_SECONDS = 5.0


def wire_pax8(settings, sim) -> None:
    from billingone.integrations.providers.pax8 import provider as pax8

    settings.PAX8_API_URL = sim.api_url
    settings.PAX8_TOKEN_URL = sim.token_url
    settings.INTEGRATION_SIMULATOR_HOSTS = [f"127.0.0.1:{sim.port}"]
    settings.PAX8_RATE_LIMIT_CALLS, settings.PAX8_RATE_LIMIT_PERIOD_SECONDS = sim.rate_limit, sim.rate_period
    pax8._TOKENS.clear()


@contextmanager
def running_pax8(settings, **options) -> Iterator:
    """A Pax8 simulator on a free port (a real socket), wired into settings while it runs."""
    from billingone.integrations.providers.pax8.simulator.server import Pax8Simulator

    fast_http(settings)
    with Pax8Simulator(port=0, **{"subscriptions": 120, "companies": 12, **options}) as sim:
        wire_pax8(settings, sim)
        yield sim


def pax8_simulator_fixture(settings):
    """A Pax8 simulator (120 subscriptions, 12 companies) on a free port, wired into settings."""
    with running_pax8(settings) as sim:
        yield sim


PAX8_GOOD = {"client_id": "demo-pax8-client", "client_secret": "demo-pax8-secret-0123456789"}
PAX8_BAD = {"client_id": "demo-pax8-client", "client_secret": "wrong-secret-value"}


class ProviderContract(ABC):
    """What every provider must do. Subclasses set `provider_class`, give the fixtures
    `good_credentials` and `bad_credentials` (with the simulator running) and `count_rows`."""

    provider_class: type[Provider]

    @abstractmethod
    def count_rows(self, organization) -> int:
        """How many synced rows the provider holds for the organization."""

    def make(self, organization, credentials: dict, run_id: int | None = None) -> Provider:
        return self.provider_class(ProviderContext(organization=organization, credentials=credentials, run_id=run_id))

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
        progress = NullProgress()
        first = self.make(personas.org_a, good_credentials, run_id=1).sync(
            self.provider_class.sync_modes[0].key, progress
        )
        assert first.created > 0 and first.created == self.count_rows(personas.org_a)
        assert progress.done == progress.total > 0
        again = self.make(personas.org_a, good_credentials, run_id=2).sync(
            self.provider_class.sync_modes[0].key, NullProgress()
        )
        assert (again.created, again.updated, again.removed) == (0, 0, 0)
        assert again.unchanged == first.created
        assert self.count_rows(personas.org_a) == first.created

    def test_sync_of_one_organization_leaves_another_untouched(self, personas, good_credentials):
        mode = self.provider_class.sync_modes[0].key
        self.make(personas.org_a, good_credentials, run_id=1).sync(mode, NullProgress())
        rows_a = self.count_rows(personas.org_a)
        self.make(personas.org_b, good_credentials, run_id=2).sync(mode, NullProgress())
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


def membership_of(user, organization):
    from billingone.orgs.models import Membership

    return Membership.objects.select_related("organization", "user").get(user=user, organization=organization)


def connect_pax8(user, organization, credentials: dict | None = None):
    """Connect Pax8 for `organization` through the real flow (the simulator must be running). The
    test then starts the syncs it wants (the web's Save starts one at once: test_first_sync.py)."""
    from billingone.integrations import flows

    membership = membership_of(user, organization)
    outcome = flows.save_credentials(membership, None, "pax8", credentials or dict(PAX8_GOOD), start_sync=False)
    assert outcome.ok, outcome.message
    return outcome


@contextmanager
def worker_thread(interval: float = 0.2) -> Iterator:
    """The real django-tasks-db worker loop, in a thread beside the live server (browser tests).
    (`manage.py db_worker` installs signal handlers, which only the main thread may do.)"""
    import threading

    from django.db import connection
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["default"],
        interval=interval,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )

    def run() -> None:
        from django.db import OperationalError

        try:
            while worker.running:
                try:
                    worker.run()
                except OperationalError as error:
                    # The in-memory SQLite *test* database fails table locks at once ("table is
                    # locked") where the real one waits; the real worker would just poll again.
                    if "locked" not in str(error):
                        raise
                    connection.close()
        finally:
            connection.close()

    thread = threading.Thread(target=run, name="task-worker", daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        worker.running = False
        thread.join(timeout=15)
