from __future__ import annotations

import pytest

from billingone.integrations.providers.synergy.testing import running_synergy


@pytest.fixture
def synergy_sim(settings):
    with running_synergy(settings) as sim:
        yield sim
