"""The fault suite: every fault of simulators/faults.py's vocabulary, injected into a sync the
engine runs, ends the way the error taxonomy says (STYLE.md habit 5), with nothing lost.

    class TestAcmeFaults(FaultSuite):
        provider_key = "acme"
        fault_path = "/v1/invoices"  # a listing the sync reads (faults hit its second call)

        @pytest.fixture
        def simulator(self, settings): ...                    # running, wired into settings; has .url
        @pytest.fixture
        def good_credentials(self, simulator): return {...}
        def expected_rows(self, simulator): return ...        # what a complete sync stores

Faults go in through the simulator's `/_sim/faults` endpoint, the same on every simulator.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from typing import ClassVar

import httpx
import pytest

from billingone.integrations.testing.helpers import connect, fast_http, run_sync, synced_rows

LASTING = 10_000  # more than any retry budget


class FaultSuite(ABC):
    provider_key: ClassVar[str]
    fault_path: ClassVar[str] = ""  # where faults hit ("" = any API call)
    fault_after: ClassVar[int] = 1  # calls let through first, so the fault lands mid-sync
    mode: ClassVar[str | None] = None  # the mode synced (None: the provider's first)

    def count_rows(self, organization) -> int:
        """Synced rows the organization holds for the provider (not marked removed)."""
        return synced_rows(organization, self.provider_key)

    @abstractmethod
    def expected_rows(self, simulator) -> int:
        """The rows a complete sync of the simulator's data stores."""

    @pytest.fixture(autouse=True)
    def _fast_engine(self, settings) -> None:
        fast_http(settings)
        settings.SYNC_RETRY_BACKOFF_SECONDS = 0
        settings.SYNC_MAX_ATTEMPTS = 2

    @pytest.fixture
    def connected(self, personas, simulator, good_credentials):
        return connect(personas.org_a, self.provider_key, good_credentials)

    # ---- helpers ---------------------------------------------------------------------------
    def inject(self, simulator, kind: str, **options) -> None:
        fault = {"kind": kind, "path": self.fault_path, "after": self.fault_after, **options}
        response = httpx.post(simulator.url + "/_sim/faults", json=fault, timeout=5)
        assert response.status_code == 201, response.text

    def fired(self, simulator) -> dict[str, int]:
        return httpx.get(simulator.url + "/_sim/faults", timeout=5).json()["fired"]

    def clear(self, simulator) -> None:
        httpx.delete(simulator.url + "/_sim/faults", timeout=5).raise_for_status()

    def sync(self, personas):
        return run_sync(personas.org_a, self.provider_key, self.mode)

    def assert_complete(self, personas, simulator) -> None:
        assert self.count_rows(personas.org_a) == self.expected_rows(simulator)

    # ---- transient faults the run rides out ------------------------------------------------
    def test_a_passing_5xx_is_retried_within_the_run(self, connected, personas, simulator):
        self.inject(simulator, "5xx", times=2)
        run = self.sync(personas)
        assert run.status == "succeeded" and run.attempt == 1, run.error_message
        assert self.fired(simulator) == {"5xx": 2}
        self.assert_complete(personas, simulator)

    def test_429_waits_out_retry_after(self, connected, personas, simulator):
        self.inject(simulator, "429", retry_after=1)
        started = time.monotonic()
        run = self.sync(personas)
        assert run.status == "succeeded", run.error_message
        assert time.monotonic() - started >= 1.0
        assert self.fired(simulator) == {"429": 1}
        self.assert_complete(personas, simulator)

    def test_a_timeout_is_retried(self, connected, personas, simulator, settings):
        settings.INTEGRATION_HTTP_TIMEOUT_SECONDS = 0.5
        self.inject(simulator, "timeout", seconds=1.5)
        run = self.sync(personas)
        assert run.status == "succeeded", run.error_message
        assert self.fired(simulator) == {"timeout": 1}
        self.assert_complete(personas, simulator)

    def test_a_malformed_body_is_retried(self, connected, personas, simulator):
        self.inject(simulator, "malformed")
        run = self.sync(personas)
        assert run.status == "succeeded", run.error_message
        assert self.fired(simulator) == {"malformed": 1}
        self.assert_complete(personas, simulator)

    def test_a_dropped_connection_is_retried(self, connected, personas, simulator):
        self.inject(simulator, "drop")
        run = self.sync(personas)
        assert run.status == "succeeded", run.error_message
        assert self.fired(simulator) == {"drop": 1}
        self.assert_complete(personas, simulator)

    def test_token_expiry_mid_sync_renews_the_token(self, connected, personas, simulator):
        # Every token the simulator issued is dead from here on: only a renewal finishes the sync.
        self.inject(simulator, "token_expiry")
        run = self.sync(personas)
        assert run.status == "succeeded", run.error_message
        assert self.fired(simulator) == {"token_expiry": 1}
        self.assert_complete(personas, simulator)

    # ---- faults that outlast the retries ---------------------------------------------------
    def test_a_lasting_5xx_fails_transient_then_the_next_run_completes(self, connected, personas, simulator):
        from billingone.integrations.models import Connection

        self.inject(simulator, "5xx", times=LASTING, status=503)
        run = self.sync(personas)
        assert run.status == "failed" and not run.permanent and run.attempt == 2
        assert "503" in run.error_message
        connected.refresh_from_db()
        assert connected.status == Connection.Status.ERROR
        self.clear(simulator)
        run = self.sync(personas)
        assert run.status == "succeeded", run.error_message
        self.assert_complete(personas, simulator)
        connected.refresh_from_db()
        assert connected.status == Connection.Status.CONNECTED

    def test_lasting_malformed_bodies_fail_and_remove_nothing(self, connected, personas, simulator):
        assert self.sync(personas).status == "succeeded"
        self.inject(simulator, "malformed", times=LASTING)
        run = self.sync(personas)
        assert run.status == "failed" and not run.permanent and run.error_code == "unexpected_answer"
        assert run.removed == 0
        self.assert_complete(personas, simulator)
