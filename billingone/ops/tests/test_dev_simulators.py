"""`make run` starts every simulator in DEV_SIMULATORS with its arguments: each must accept them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from simulators import DEV_SIMULATORS


@pytest.mark.parametrize("simulator", DEV_SIMULATORS, ids=lambda simulator: simulator.name)
def test_each_dev_simulator_accepts_the_arguments_make_run_gives_it(simulator):
    shown = subprocess.run(
        [sys.executable, "-m", simulator.module, "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert shown.returncode == 0, shown.stderr[-500:]
    for flag in ("--host", "--port", *(arg for arg in simulator.args if arg.startswith("--"))):
        assert flag in shown.stdout, f"{simulator.module} does not take {flag}"
    ports = [other.port for other in DEV_SIMULATORS]
    assert ports.count(simulator.port) == 1
