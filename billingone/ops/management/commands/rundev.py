"""Run BillingOne for development: provider simulators, the demo seed, the web server, the
task worker and the scheduler together. Ctrl-C stops them all; if one dies, all stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from billingone.ops.demo import DEMO_MEMBERS, DEMO_PASSWORD
from simulators import DEV_SIMULATORS

PYTHON = sys.executable


def wait_for_port(port: int, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


def _interrupt(signum, frame):
    # SIGTERM stops everything the same way Ctrl-C does.
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--no-seed", action="store_true", help="Do not seed the demo organization.")

    def handle(self, *args, port: int, host: str, no_seed: bool, **options):
        self.children: list[tuple[str, subprocess.Popen]] = []
        env = dict(os.environ)
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            for simulator in DEV_SIMULATORS:
                self.start_simulator(simulator, env)
            if not no_seed:
                self.run_once("seed_demo", [PYTHON, "manage.py", "seed_demo"], env)
            self.start("web", [PYTHON, "manage.py", "runserver", f"{host}:{port}", "--noreload"], env)
            self.start("worker", [PYTHON, "manage.py", "db_worker", "--interval", "0.5"], env)
            self.start("scheduler", [PYTHON, "manage.py", "crontask"], env)
            if not wait_for_port(port):
                raise CommandError(f"The web server did not start on port {port}")
            self.banner(host, port)
            self.supervise()
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        finally:
            self.stop_all()

    def start_simulator(self, simulator, env: dict[str, str]) -> None:
        command = [PYTHON, "-m", simulator.module, "--host", "127.0.0.1", "--port", str(simulator.port)]
        self.start(f"sim:{simulator.name}", [*command, *simulator.args], env)
        if not wait_for_port(simulator.port):
            raise CommandError(f"Simulator {simulator.name} did not open port {simulator.port}")
        env.update(simulator.env)

    def start(self, name: str, command: list[str], env: dict[str, str]) -> None:
        process = subprocess.Popen(command, env=env, start_new_session=True)  # noqa: S603
        self.children.append((name, process))

    def run_once(self, name: str, command: list[str], env: dict[str, str]) -> None:
        if subprocess.run(command, env=env, check=False).returncode != 0:  # noqa: S603
            raise CommandError(f"{name} failed")

    def supervise(self) -> None:
        while True:
            for name, process in self.children:
                if process.poll() is not None:
                    raise CommandError(f"{name} exited with status {process.returncode}; stopping everything")
            time.sleep(0.5)

    def stop_all(self) -> None:
        for _, process in reversed(self.children):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _, process in self.children:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def banner(self, host: str, port: int) -> None:
        shown_host = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host  # noqa: S104
        lines = [
            "",
            "  BillingOne is running.",
            f"  Open  http://{shown_host}:{port}/",
            "  Demo logins (password for all: " + DEMO_PASSWORD + "):",
            *[f"    {role.label:<9} {email}" for email, _, role in DEMO_MEMBERS],
            "  Ctrl-C stops the web server, the worker, the scheduler and the simulators.",
            "",
        ]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
