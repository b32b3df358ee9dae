"""One fault vocabulary every provider simulator speaks, and its one control endpoint.

Kinds (what real services do to a client):

    5xx           answer `status` (default 503) in the provider's error envelope
    429           answer 429 with `Retry-After: retry_after` (and the provider's own rate headers)
    timeout       answer `seconds` late (a client with a shorter read timeout gives up)
    malformed     answer 200 with a truncated JSON body
    drop          close the connection without answering
    token_expiry  every access token the simulator issued expires now; this call gets the
                  provider's 401 for an expired token (the client must renew, mid-sync)

A fault applies to API calls whose path contains `path` (case-insensitive; "" = every call),
lets `after` of them through, then fires `times` times. A simulator may add kinds of its own
(`extra_kinds`, e.g. "page_change": the data changes between two page requests); `act()`
leaves those to it.

Control, the same on every simulator:

    POST   /_sim/faults  {"kind": "429", "path": "/invoices", "after": 1, "times": 2, "retry_after": 1}
           → 201 the fault; 400 {"error": …} for an unknown kind or option
    GET    /_sim/faults  → 200 {"pending": [...], "fired": {"429": 2}}
    DELETE /_sim/faults  → 200 {"cleared": n}

In-process tests use the same plan: `sim.faults.add("5xx", path="/v1/", times=3)`.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KINDS = ("5xx", "429", "timeout", "malformed", "drop", "token_expiry")
TRUNCATED_JSON = b'{"truncated": [{"id": "'


@dataclass
class Fault:
    kind: str
    path: str = ""  # applies when the request path contains this (case-insensitive)
    after: int = 0  # let this many matching requests through first
    times: int = 1  # then fire this many times
    status: int = 503  # 5xx: the status answered
    retry_after: int = 1  # 429: the Retry-After seconds
    seconds: float = 2.0  # timeout: how late the answer comes
    fired: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


OPTION_TYPES: dict[str, type] = {f.name: {"str": str, "int": int, "float": float}[f.type] for f in fields(Fault)}


class FaultPlan:
    """The faults waiting for a simulator's requests (thread-safe)."""

    def __init__(self, extra_kinds: tuple[str, ...] = ()):
        self.kinds = KINDS + tuple(extra_kinds)
        self.lock = threading.Lock()
        self.pending: list[Fault] = []
        self.fired: Counter[str] = Counter()

    def add(self, kind: str, **options) -> Fault:
        if kind not in self.kinds:
            raise ValueError(f"Unknown fault kind {kind!r}; one of {', '.join(self.kinds)}")
        unknown = set(options) - set(OPTION_TYPES) - {"kind", "fired"}
        if unknown:
            raise ValueError(f"Unknown fault option(s): {', '.join(sorted(unknown))}")
        typed = {name: OPTION_TYPES[name](value) for name, value in options.items() if name != "fired"}
        if typed.get("times", 1) < 1 or typed.get("after", 0) < 0:
            raise ValueError("times must be at least 1 and after at least 0")
        fault = Fault(kind, **typed)
        with self.lock:
            self.pending.append(fault)
        return fault

    def take(self, path: str) -> Fault | None:
        """The fault this request meets, if any (counted as fired)."""
        with self.lock:
            for fault in self.pending:
                if fault.path.lower() not in path.lower():
                    continue
                if fault.after > 0:
                    fault.after -= 1
                    continue
                fault.times -= 1
                fault.fired += 1
                self.fired[fault.kind] += 1
                if fault.times <= 0:
                    self.pending.remove(fault)
                return fault
        return None

    def clear(self) -> int:
        with self.lock:
            cleared = len(self.pending)
            self.pending.clear()
            return cleared

    def reset(self) -> None:
        with self.lock:
            self.pending.clear()
            self.fired.clear()

    def state(self) -> dict:
        with self.lock:
            return {"pending": [fault.as_dict() for fault in self.pending], "fired": dict(self.fired)}

    def control(self, method: str, body: Mapping) -> tuple[int, dict]:
        """The /_sim/faults endpoint: (status, JSON answer) for GET, POST and DELETE."""
        if method == "GET":
            return 200, self.state()
        if method == "DELETE":
            return 200, {"cleared": self.clear()}
        if method != "POST":
            return 405, {"error": "GET, POST or DELETE"}
        options = dict(body)
        try:
            fault = self.add(str(options.pop("kind", "")), **options)
        except (TypeError, ValueError) as error:
            return 400, {"error": str(error)}
        return 201, fault.as_dict()


@dataclass(frozen=True)
class Dialect:
    """How one provider says it: its error envelope (status, message → JSON), how its tokens
    expire, and the headers it sends beside Retry-After on a 429."""

    error_body: Callable[[int, str], object]
    expire_tokens: Callable[[], None]
    rate_limit_headers: Mapping[str, str] = field(default_factory=dict)


def write(handler: BaseHTTPRequestHandler, status: int, body: bytes, headers: Mapping[str, str] | None = None) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def act(
    handler: BaseHTTPRequestHandler, fault: Fault, dialect: Dialect, headers: Mapping[str, str] | None = None
) -> bool:
    """Act a shared fault out. True when the request is answered (or dropped); False when it
    should go on normally (a late answer, or a kind the simulator handles itself)."""
    headers = headers or {}
    if fault.kind == "timeout":
        time.sleep(fault.seconds)
        return False
    if fault.kind == "5xx":
        body = dialect.error_body(fault.status, "The service is unavailable")
        write(handler, fault.status, json.dumps(body).encode(), headers)
    elif fault.kind == "429":
        extra = {**headers, **dialect.rate_limit_headers, "Retry-After": str(fault.retry_after)}
        write(handler, 429, json.dumps(dialect.error_body(429, "Rate limit exceeded")).encode(), extra)
    elif fault.kind == "malformed":
        write(handler, 200, TRUNCATED_JSON, headers)
    elif fault.kind == "drop":
        handler.close_connection = True
        handler.connection.shutdown(socket.SHUT_RDWR)
    elif fault.kind == "token_expiry":
        dialect.expire_tokens()
        body = dialect.error_body(401, "TokenExpired: the access token expired")
        write(handler, 401, json.dumps(body).encode(), headers)
    else:
        return False
    return True


class QuietServer(ThreadingHTTPServer):
    """A client that gave up (a timeout fault) or a dropped connection ends the socket mid-answer:
    not an error worth a traceback here."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | OSError):
            return
        super().handle_error(request, client_address)
