"""Billing fixtures: the Pax8 and Xero simulators on free ports, wired into settings."""

from __future__ import annotations

import pytest

from billingone.integrations.providers.xero.testing import xero_simulator_fixture
from billingone.integrations.testing import pax8_simulator_fixture

pax8_sim = pytest.fixture(pax8_simulator_fixture)
xero_sim = pytest.fixture(xero_simulator_fixture)
