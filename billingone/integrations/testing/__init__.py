"""The conformance kit every provider passes (docs/integrations.md, "Testing a provider"):

- `ProviderContract` (contract.py): descriptor, test_connection, bad credentials, syncs through
  the engine (counts, progress, idempotence, organizations kept apart), unreachable and
  private hosts.
- `OAuthContract` (oauth.py), for OAuth providers: authorize URL with state + PKCE S256, code
  exchange, refresh rotation persisted, invalid_grant needing attention, revoke on disconnect.
- `FaultSuite` (faults.py): the shared fault vocabulary (simulators/faults.py) injected into a
  sync: 5xx, 429 + Retry-After, timeout, malformed body, dropped connection, token expiry.

A provider's test module subclasses each and supplies fixtures; helpers.py holds what they share.
"""

# The engine's own tests (sync runs, schedule, API) drive Pax8, the simplest provider.
from billingone.integrations.providers.pax8.testing import (
    PAX8_BAD,
    PAX8_GOOD,
    connect_pax8,
    pax8_simulator_fixture,
    running_pax8,
    wire_pax8,
)
from billingone.integrations.testing.contract import API_MODES, ProviderContract
from billingone.integrations.testing.faults import FaultSuite
from billingone.integrations.testing.helpers import (
    connect,
    fast_http,
    free_port,
    membership_of,
    run_sync,
    synced_rows,
    worker_thread,
)
from billingone.integrations.testing.oauth import OAuthContract

__all__ = [
    "API_MODES",
    "PAX8_BAD",
    "PAX8_GOOD",
    "FaultSuite",
    "OAuthContract",
    "ProviderContract",
    "connect",
    "connect_pax8",
    "fast_http",
    "free_port",
    "membership_of",
    "pax8_simulator_fixture",
    "run_sync",
    "running_pax8",
    "synced_rows",
    "wire_pax8",
    "worker_thread",
]
