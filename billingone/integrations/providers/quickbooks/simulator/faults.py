"""Fault injection: the next matching request(s) fail the way real services fail.

The shared vocabulary of the provider simulators: "5xx" (a server error with QBO's Fault body),
"rate_limit" (429 ThrottleExceeded with Retry-After), "slow" (answers after `delay` seconds: a
client timeout), "malformed" (200 with a truncated JSON body), "drop" (the connection closes
without an answer), "token_expired" (401: every access token expires, mid-sync), and "page_delete" (the first live
invoice is deleted as the request arrives, which then proceeds: a change while a client pages).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

KINDS = ("5xx", "rate_limit", "slow", "malformed", "drop", "token_expired", "page_delete")


@dataclass
class Fault:
    kind: str
    path: str = ""  # applies when the decoded request path and query contain this, case-insensitive
    times: int = 1
    status: int = 503
    delay: float = 2.0
    after: int = 0  # let this many matching requests through first
    retry_after: int = 1


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
                if fault.path.lower() not in path.lower():
                    continue
                if fault.after > 0:
                    fault.after -= 1
                    continue
                fault.times -= 1
                if fault.times <= 0:
                    self.pending.remove(fault)
                return fault
        return None
