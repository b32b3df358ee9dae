"""Fixtures for integration tests: the Pax8 simulator on a free port, wired into settings."""

from __future__ import annotations

import pytest

from billingone.integrations.testing import pax8_simulator_fixture

pax8_sim = pytest.fixture(pax8_simulator_fixture)

# The OAuth provider the engine tests use: its simulator on a free port, wired into settings.
from billingone.integrations.providers.xero.testing import xero_simulator_fixture  # noqa: E402

xero_sim = pytest.fixture(xero_simulator_fixture)
