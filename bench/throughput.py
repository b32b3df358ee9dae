"""Benchmark: requests per second and p50/p99 latency at 32 concurrent connections under gunicorn.

    python bench/throughput.py [--port 8850] [--rounds 3] [--seconds 4] [--workers 4]

Scenarios, alternated round by round in one run so they share the machine's ups and downs:
a bare view (the AASA file, no database) without a session and with one, a Settings page,
the Team page, and GET /api/v1/orgs/{slug}/members as the mobile app. Goals: the signed-in
bare view ≥ 0.5× the anonymous one, pages ≥ 0.5× and API lists ≥ 0.8× the signed-in bare view.

Loopback only; each scenario runs for --seconds per round, at most --max-requests requests.
The server uses a throw-away SQLite file, or with DATABASE_URL a fresh PostgreSQL database
named after it (`<name>_throughput`, dropped afterwards). Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
HOST = "127.0.0.1"
CONCURRENCY = 32
MEMBERS = 40  # a team of realistic size for the Team page and GET /members
APP_AGENT = "BillingOne/2.3.1 (iPhone; iOS 17.5)"
WEB_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0"


@dataclass
class Scenario:
    name: str
    path: str
    headers: dict[str, str]
    baseline: str = ""  # the scenario this one is compared with
    goal: float = 0.0
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: int = 0

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def environment(var_dir: str, database_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "BILLINGONE_ENV": "development",
        "DEBUG": "false",
        "BILLINGONE_VAR_DIR": var_dir,
        "DJANGO_SETTINGS_MODULE": "billingone.settings",
        "LOG_LEVEL": "ERROR",
        "EMAIL_DELIVERY": "console",
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)
    return env


def bench_database_url() -> str:
    """A fresh PostgreSQL database beside DATABASE_URL's, or "" for SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return ""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_throughput"
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path="/" + name))


def drop_database(database_url: str) -> None:
    if not database_url:
        return
    import psycopg

    parts = urlsplit(database_url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


SEED = """
import json
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
call_command("createcachetable")
from billingone.accounts.models import User
from billingone.orgs.models import Membership
from billingone.testing.personas import PASSWORD, make_personas
personas = make_personas()
for n in range({members}):
    user = User.objects.create(email=f"member{{n}}@bench.test", name=f"Member {{n}}", password="!")
    Membership.objects.create(user=user, organization=personas.org_a, role="viewer")
web = Client(HTTP_USER_AGENT={web_agent!r}, HTTP_HOST="localhost")
assert web.post("/accounts/login/", {{"login": personas.alice.email, "password": PASSWORD}}).status_code == 302
app = Client(HTTP_USER_AGENT={app_agent!r}, HTTP_HOST="localhost")
login = app.post("/_allauth/app/v1/auth/login", {{"email": personas.alice.email, "password": PASSWORD}},
                 content_type="application/json")
from django.conf import settings
print(json.dumps({{"cookie": web.cookies[settings.SESSION_COOKIE_NAME].value,
                  "token": login.json()["meta"]["session_token"]}}))
"""


def seed(env: dict[str, str]) -> dict:
    import json

    code = "import django; django.setup()\n" + SEED.format(members=MEMBERS, web_agent=WEB_AGENT, app_agent=APP_AGENT)
    out = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit("seeding failed:\n" + out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "billingone.wsgi", "-w", str(workers), "-b", f"{HOST}:{port}"]
    command += ["--backlog", "256", "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            status = asyncio.run(fetch(port, "/.well-known/apple-app-site-association", {}))
        except OSError:
            time.sleep(0.2)
            continue
        if status == 200:
            return server
    server.terminate()
    raise SystemExit("gunicorn did not start")


async def fetch(port: int, path: str, headers: dict[str, str]) -> int:
    """One GET on a fresh connection (gunicorn's sync workers close after each answer)."""
    reader, writer = await asyncio.open_connection(HOST, port)
    lines = [f"GET {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    status_line = await reader.readline()
    while await reader.read(65536):
        pass
    writer.close()
    return int(status_line.split()[1])


async def drive(scenario: Scenario, port: int, seconds: float, max_requests: int) -> None:
    """CONCURRENCY loops sending requests back to back for `seconds` (or max_requests)."""
    deadline = time.monotonic() + seconds
    sent = 0

    async def loop() -> None:
        nonlocal sent
        while time.monotonic() < deadline and sent < max_requests:
            sent += 1
            started = time.perf_counter()
            status = await fetch(port, scenario.path, scenario.headers)
            if status != 200:
                scenario.errors += 1
                continue
            scenario.latencies.append(time.perf_counter() - started)

    started = time.monotonic()
    await asyncio.gather(*(loop() for _ in range(CONCURRENCY)))
    scenario.seconds += time.monotonic() - started


def scenarios(credentials: dict) -> list[Scenario]:
    from django.conf import settings

    cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={credentials['cookie']}", "User-Agent": WEB_AGENT}
    app = {"X-Session-Token": credentials["token"], "User-Agent": APP_AGENT}
    bare = "/.well-known/apple-app-site-association"
    return [
        Scenario("bare view, no session", bare, {"User-Agent": WEB_AGENT}),
        Scenario("bare view, with a session", bare, cookie, "bare view, no session", 0.5),
        Scenario("Settings › Profile page", "/org-a/settings/profile/", cookie, "bare view, with a session", 0.5),
        Scenario("Settings › Team page", "/org-a/settings/team/", cookie, "bare view, with a session", 0.5),
        Scenario("GET /members (app)", "/api/v1/orgs/org-a/members", app, "bare view, with a session", 0.8),
    ]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def report(runs: list[Scenario], vendor: str, workers: int) -> None:
    by_name = {s.name: s for s in runs}
    print(f"\nThroughput under gunicorn ({workers} sync workers, {vendor}), {CONCURRENCY} concurrent connections")
    print(f"{'scenario':<28} {'requests':>9} {'rps':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}  ratio")
    for s in runs:
        ratio = ""
        if s.baseline:
            value = s.rps / by_name[s.baseline].rps if by_name[s.baseline].rps else 0.0
            verdict = "ok" if value >= s.goal else "MISS"
            ratio = f"{value:.2f}× {s.baseline} (goal ≥ {s.goal}) {verdict}"
        p50, p99 = percentile(s.latencies, 0.5) * 1000, percentile(s.latencies, 0.99) * 1000
        print(f"{s.name:<28} {len(s.latencies):>9} {s.rps:>8.1f} {p50:>8.1f} {p99:>8.1f} {s.errors:>7}  {ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8850)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--max-requests", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    database_url = bench_database_url()
    var_dir = tempfile.mkdtemp(prefix="billingone-throughput-")
    env = environment(var_dir, database_url)
    os.environ.update({k: v for k, v in env.items() if k != "DATABASE_URL"})
    import django

    django.setup()
    try:
        credentials = seed(env)
        server = start_server(env, args.port, args.workers)
        try:
            runs = scenarios(credentials)
            for _ in range(args.rounds):
                for scenario in runs:
                    asyncio.run(drive(scenario, args.port, args.seconds, args.max_requests))
            report(runs, "PostgreSQL" if database_url else "SQLite", args.workers)
            sys.stdout.flush()
        finally:
            server.terminate()  # workers finish their request in flight first
            try:
                server.wait(60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    finally:
        drop_database(database_url)


if __name__ == "__main__":
    main()
