"""Fault injection under /_sim/faults: the next matching request(s) fail the way real services
fail. The same vocabulary as the other simulators (Xero's faults.py):

"error" (a 5xx with Stripe's api_error body), "slow" (answers after `delay` seconds),
"malformed" (200 with broken JSON), "token_expired" (401: the key was rolled), "rate_limit"
(429 rate_limit), "page_change" (a payment link is updated between two page requests).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

KINDS = ("error", "slow", "malformed", "token_expired", "rate_limit", "page_change")


@dataclass
class Fault:
    kind: str
    path: str = ""  # applies when the request path contains this
    times: int = 1
    status: int = 500
    delay: float = 2.0
    after: int = 0  # let this many matching requests through first


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.pending: list[Fault] = []

    def add(self, kind: str, **options) -> Fault:
        if kind not in KINDS:
            raise ValueError(f"Unknown fault kind {kind!r}; one of {', '.join(KINDS)}")
        fault = Fault(kind, **options)
        with self.lock:
            self.pending.append(fault)
        return fault

    def clear(self) -> None:
        with self.lock:
            self.pending.clear()

    def take(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.pending:
                if fault.path not in path:
                    continue
                if fault.after > 0:
                    fault.after -= 1
                    continue
                fault.times -= 1
                if fault.times <= 0:
                    self.pending.remove(fault)
                return fault
        return None
