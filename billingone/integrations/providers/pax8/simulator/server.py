"""A Pax8 partner API simulator: a real HTTP server speaking specs/pax8.

    python -m billingone.integrations.providers.pax8.simulator --port 8701 [--subscriptions 600] [--seed 1]

- POST /oauth/token (and /v1/token): JSON body with client_id, client_secret, audience,
  grant_type → {"access_token","expires_in":86400,"token_type":"Bearer"}; 401
  {"error":"access_denied","error_description":"Unauthorized"} for bad credentials.
- GET /v1/companies, /v1/products, /v1/subscriptions (+ /{id}): `page` 0-based, `size` 1–200
  (default 10), `sort`; {"content":[…],"page":{"size","totalElements","totalPages","number"}}.
- Errors use the spec's envelope {"type","message","instance","status","details"}.
- Rate limit per client id (default 1000 calls / 60 s): beyond it, 429 with Retry-After.
- Faults from the shared vocabulary (simulators/faults.py) plus "page_change" (a subscription
  is inserted first while a client pages), and inspection under /_sim/ (faults, stats, mutate, reset).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from billingone.integrations.providers.pax8.simulator.data import Pax8Data
from simulators.faults import Dialect, Fault, FaultPlan, QuietServer, act

DEMO_CLIENT_ID = "demo-pax8-client"
DEMO_CLIENT_SECRET = "demo-pax8-secret-0123456789"  # the simulator's published demo secret
AUDIENCES = {"https://api.pax8.com", "api://p8p.client", "api://provisioning", "api://usage"}
RESOURCES = {"companies", "products", "subscriptions"}
MAX_SIZE = 200


@dataclass
class Stats:
    requests: int = 0
    token_requests: int = 0
    rate_limited: int = 0
    by_path: dict[str, int] = field(default_factory=dict)
    first_at: float | None = None
    last_at: float | None = None
    times: list[float] = field(default_factory=list)

    def peak(self, period: float) -> int:
        """The most requests seen in any `period`-second window (what a rate limit counts)."""
        best, start = 0, 0
        for end, moment in enumerate(self.times):
            while self.times[start] <= moment - period:
                start += 1
            best = max(best, end - start + 1)
        return best

    def as_dict(self, period: float = 60.0) -> dict:
        return {
            "peak_per_period": self.peak(period),
            "requests": self.requests,
            "token_requests": self.token_requests,
            "rate_limited": self.rate_limited,
            "by_path": dict(self.by_path),
            "elapsed": (self.last_at - self.first_at) if self.first_at and self.last_at else 0.0,
        }


class Pax8Simulator:
    """The server and its state. Use as a context manager in tests (port 0 = a free port)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 1,
        subscriptions: int = 600,
        companies: int | None = None,
        rate_limit: int = 1000,
        rate_period: float = 60.0,
        credentials: dict[str, str] | None = None,
        forbidden_clients: set[str] | None = None,
        latency: float = 0.0,
    ):
        self.data = Pax8Data(seed=seed, subscriptions=subscriptions, companies=companies)
        self.credentials = credentials or {DEMO_CLIENT_ID: DEMO_CLIENT_SECRET}
        self.forbidden_clients = forbidden_clients or set()
        self.rate_limit, self.rate_period = rate_limit, rate_period
        self.latency = latency
        self.tokens: dict[str, tuple[str, float]] = {}  # token → (client id, expiry)
        self.windows: dict[str, deque[float]] = {}
        self.faults = FaultPlan(extra_kinds=("page_change",))
        self.stats = Stats()
        self.lock = threading.Lock()
        self.server = QuietServer((host, port), make_handler(self))
        self.thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self.server.server_address[0]}:{self.port}"

    @property
    def url(self) -> str:  # every simulator names its base URL `url`
        return self.base_url

    @property
    def api_url(self) -> str:
        return self.base_url + "/v1"

    @property
    def token_url(self) -> str:
        return self.base_url + "/oauth/token"

    def start(self) -> Pax8Simulator:
        self.thread = threading.Thread(target=self.server.serve_forever, name="pax8-sim", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Pax8Simulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def reset(self) -> None:
        self.faults.reset()
        with self.lock:
            self.windows.clear()
            self.stats = Stats()

    # ---- request handling helpers (called from handler threads) ----
    def count(self, path: str) -> None:
        with self.lock:
            now = time.monotonic()
            self.stats.requests += 1
            self.stats.first_at = self.stats.first_at or now
            self.stats.last_at = now
            self.stats.times.append(now)
            key = path if not path.startswith("/v1/") else "/v1/" + path[4:].split("/")[0]
            self.stats.by_path[key] = self.stats.by_path.get(key, 0) + 1

    def over_limit(self, client_id: str) -> float | None:
        """Seconds until the client may call again, or None when this call is within the limit."""
        with self.lock:
            now = time.monotonic()
            window = self.windows.setdefault(client_id, deque())
            while window and window[0] <= now - self.rate_period:
                window.popleft()
            if len(window) >= self.rate_limit:
                self.stats.rate_limited += 1
                return window[0] + self.rate_period - now
            window.append(now)
            return None

    def issue_token(self, client_id: str) -> str:
        token = secrets.token_urlsafe(32)
        with self.lock:
            self.tokens[token] = (client_id, time.time() + 86400)
            self.stats.token_requests += 1
        return token

    def client_of(self, authorization: str) -> str | None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer":
            return None
        with self.lock:
            entry = self.tokens.get(token.strip())
        if entry is None or entry[1] < time.time():
            return None
        return entry[0]

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()


def error_body(kind: str, message: str, status: int, instance: str) -> dict:
    return {"type": kind, "message": message, "instance": instance, "status": status, "details": []}


def make_handler(sim: Pax8Simulator):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "Pax8Simulator/1"

        def log_message(self, format, *args):  # quiet: tests and benchmarks read stats instead
            return

        def send_json(self, status: int, payload, headers: dict | None = None, raw: bytes | None = None) -> None:
            body = raw if raw is not None else json.dumps(payload, separators=(",", ":")).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def read_body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def do_POST(self):
            path = urlsplit(self.path).path
            if path.startswith("/_sim/"):
                return control(self, sim, "POST", path, self.read_body())
            sim.count(path)
            if path in ("/oauth/token", "/v1/token"):
                return token(self, sim, self.read_body())
            self.send_json(404, error_body("NOT_FOUND", "No such endpoint", 404, path))

        def do_GET(self):
            parts = urlsplit(self.path)
            if parts.path.startswith("/_sim/"):
                return control(self, sim, "GET", parts.path, b"")
            sim.count(parts.path)
            return api_get(self, sim, parts.path, parse_qs(parts.query))

        def do_DELETE(self):
            return control(self, sim, "DELETE", urlsplit(self.path).path, b"")

    return Handler


def token(handler, sim: Pax8Simulator, raw: bytes) -> None:
    if "application/json" not in (handler.headers.get("Content-Type") or ""):
        return handler.send_json(400, {"error": "invalid_request", "error_description": "Expected a JSON body"})
    try:
        body = json.loads(raw or b"{}")
    except json.JSONDecodeError:
        return handler.send_json(400, {"error": "invalid_request", "error_description": "Malformed JSON"})
    if body.get("grant_type") != "client_credentials" or not body.get("audience"):
        return handler.send_json(
            400, {"error": "invalid_request", "error_description": "grant_type and audience are required"}
        )
    if body.get("audience") not in AUDIENCES:
        return handler.send_json(403, {"error": "access_denied", "error_description": "Service not enabled"})
    client_id = str(body.get("client_id") or "")
    if sim.over_limit(client_id) is not None:
        return handler.send_json(429, {"error": "too_many_requests"}, {"Retry-After": "1"})
    expected = sim.credentials.get(client_id)
    if expected is None or not secrets.compare_digest(expected, str(body.get("client_secret") or "")):
        return handler.send_json(401, {"error": "access_denied", "error_description": "Unauthorized"})
    handler.send_json(200, {"access_token": sim.issue_token(client_id), "expires_in": 86400, "token_type": "Bearer"})


def api_get(handler, sim: Pax8Simulator, path: str, query: dict) -> None:
    client_id = sim.client_of(handler.headers.get("Authorization") or "")
    if client_id is None:
        return handler.send_json(401, error_body("UNAUTHORIZED", "Unauthorized", 401, path))
    wait = sim.over_limit(client_id)
    if wait is not None:
        body = error_body("TOO_MANY_REQUESTS", "Rate limit exceeded", 429, path)
        return handler.send_json(429, body, {"Retry-After": str(max(1, math.ceil(wait)))})
    if sim.latency:
        time.sleep(sim.latency)
    fault = sim.faults.take(path)
    if fault is not None and apply_fault(handler, sim, fault, path):
        return None
    if client_id in sim.forbidden_clients:
        return handler.send_json(403, error_body("FORBIDDEN", "Access denied", 403, path))
    segments = [s for s in path.split("/") if s]
    if len(segments) < 2 or segments[0] != "v1" or segments[1] not in RESOURCES or len(segments) > 3:
        return handler.send_json(404, error_body("NOT_FOUND", "No such endpoint", 404, path))
    if len(segments) == 3:
        record = sim.data.find(segments[1], segments[2])
        if record is None:
            return handler.send_json(404, error_body("NOT_FOUND", "Not found", 404, path))
        return handler.send_json(200, record)
    return listing(handler, sim, segments[1], path, query)


def listing(handler, sim: Pax8Simulator, resource: str, path: str, query: dict) -> None:
    try:
        page = int(query.get("page", ["0"])[0])
        size = int(query.get("size", ["10"])[0])
    except ValueError:
        return handler.send_json(400, error_body("INVALID_PARAM", "page and size must be numbers", 400, path))
    if page < 0 or not 1 <= size <= MAX_SIZE:
        message = f"size must be between 1 and {MAX_SIZE}; page must be 0 or more"
        return handler.send_json(400, error_body("INVALID_PARAM", message, 400, path))
    records = sim.data.listing(resource, query.get("sort", [None])[0])
    filters = {key: values[0] for key, values in query.items() if key in ("status", "companyId", "productId")}
    if filters:
        records = [r for r in records if all(str(r.get(k)) == v for k, v in filters.items())]
    total = len(records)
    content = records[page * size : (page + 1) * size]
    meta = {"size": size, "totalElements": total, "totalPages": math.ceil(total / size), "number": page}
    handler.send_json(200, {"content": content, "page": meta})


ERROR_TYPES = {401: "UNAUTHORIZED", 429: "TOO_MANY_REQUESTS"}


def apply_fault(handler, sim: Pax8Simulator, fault: Fault, path: str) -> bool:
    """Act out a fault; True when the response was already sent."""
    dialect = Dialect(
        error_body=lambda status, message: error_body(
            ERROR_TYPES.get(status, "INTERNAL_SERVER_ERROR"), message, status, path
        ),
        expire_tokens=sim.expire_tokens,
    )
    if act(handler, fault, dialect):
        return True
    if fault.kind == "page_change":
        sim.data.insert_first_subscription()
    return False


def control(handler, sim: Pax8Simulator, method: str, path: str, raw: bytes) -> None:
    """/_sim/stats (GET), /_sim/faults (GET, POST, DELETE: simulators/faults.py), /_sim/mutate,
    /_sim/rate, /_sim/reset (POST JSON): test and bench hooks."""
    try:
        body = json.loads(raw or b"{}")
        if path == "/_sim/faults":
            return handler.send_json(*sim.faults.control(method, body))
        if path == "/_sim/stats":
            stats = sim.stats.as_dict(sim.rate_period)
            return handler.send_json(200, {**stats, "subscriptions": len(sim.data.subscriptions)})
        if path == "/_sim/mutate":
            return handler.send_json(200, {"changed": sim.data.mutate(float(body.get("fraction", 0.01)))})
        if path == "/_sim/rate":
            sim.rate_limit, sim.rate_period = int(body["limit"]), float(body.get("period", 60))
            return handler.send_json(200, {"limit": sim.rate_limit, "period": sim.rate_period})
        if path == "/_sim/reset":
            sim.reset()
            return handler.send_json(200, {"ok": True})
    except (TypeError, ValueError, KeyError) as exc:
        return handler.send_json(400, {"error": str(exc)})
    handler.send_json(404, {"error": "unknown control path"})


def main() -> None:
    parser = argparse.ArgumentParser(description="Pax8 partner API simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8701)
    parser.add_argument("--seed", type=int, default=int(os.environ.get("PAX8_SIM_SEED", "1")))
    parser.add_argument("--subscriptions", type=int, default=int(os.environ.get("PAX8_SIM_SUBSCRIPTIONS", "600")))
    parser.add_argument("--companies", type=int, default=None)
    parser.add_argument("--rate-limit", type=int, default=1000, help="calls per period per client id")
    parser.add_argument("--rate-period", type=float, default=60.0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every API answer")
    parser.add_argument("--client-id", default=DEMO_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEMO_CLIENT_SECRET)
    args = parser.parse_args()
    if args.subscriptions > 50_000:
        parser.error("--subscriptions is at most 50000")
    sim = Pax8Simulator(
        host=args.host,
        port=args.port,
        seed=args.seed,
        subscriptions=args.subscriptions,
        companies=args.companies,
        rate_limit=args.rate_limit,
        rate_period=args.rate_period,
        credentials={args.client_id: args.client_secret},
        latency=args.latency,
    )
    print(f"Pax8 simulator on {sim.base_url} ({args.subscriptions} subscriptions)", flush=True)
    try:
        sim.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sim.server.server_close()


if __name__ == "__main__":
    main()
