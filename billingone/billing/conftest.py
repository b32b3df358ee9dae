"""Billing fixtures: the Xero simulator (wired into settings) and synced Xero data."""

from __future__ import annotations

import pytest

from billingone.integrations.xero_testing import xero_simulator_fixture

xero_sim = pytest.fixture(xero_simulator_fixture)

from billingone.integrations.testing import pax8_simulator_fixture  # noqa: E402

pax8_sim = pytest.fixture(pax8_simulator_fixture)
