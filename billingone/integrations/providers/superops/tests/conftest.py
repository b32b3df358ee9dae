from __future__ import annotations

import pytest

from billingone.integrations.providers.superops.testing import superops_simulator_fixture

superops_sim = pytest.fixture(superops_simulator_fixture)
