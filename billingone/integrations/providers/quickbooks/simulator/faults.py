"""Fault injection: the next matching request(s) fail the way real services fail.

The shared vocabulary of the provider simulators (names and options as simulators/faults.py):
"5xx" (answer `status` with QBO's SystemFault body), "429" (ThrottleExceeded with
Retry-After: `retry_after`), "timeout" (answer `seconds` late: a client with a shorter read
timeout gives up), "malformed" (200 with a truncated JSON body), "drop" (the connection closes
without an answer), "token_expiry" (every access token expires now; this call gets the 401),
and this simulator's own "page_delete" (the first live invoice is deleted as the request
arrives, which then proceeds: a change while a client pages).

A fault applies to API calls whose decoded path and query contain `path` (case-insensitive;
"" = every call), lets `after` of them through, then fires `times` times.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import asdict, dataclass, fields

KINDS = ("5xx", "429", "timeout", "malformed", "drop", "token_expiry", "page_delete")


@dataclass
class Fault:
    kind: str
    path: str = ""
    after: int = 0
    times: int = 1
    status: int = 503
    retry_after: int = 1
    seconds: float = 2.0
    fired: int = 0


OPTION_TYPES = {f.name: {"str": str, "int": int, "float": float}[f.type] for f in fields(Fault) if f.name != "kind"}


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.pending: list[Fault] = []
        self.fired: Counter[str] = Counter()

    def add(self, kind: str, **options) -> Fault:
        if kind not in KINDS:
            raise ValueError(f"Unknown fault kind {kind!r}; one of {', '.join(KINDS)}")
        unknown = set(options) - set(OPTION_TYPES)
        if unknown:
            raise ValueError(f"Unknown fault option(s): {', '.join(sorted(unknown))}")
        fault = Fault(kind, **{name: OPTION_TYPES[name](value) for name, value in options.items()})
        if fault.times < 1 or fault.after < 0:
            raise ValueError("times must be at least 1 and after at least 0")
        with self.lock:
            self.pending.append(fault)
        return fault

    def clear(self) -> int:
        with self.lock:
            cleared = len(self.pending)
            self.pending.clear()
            return cleared

    def state(self) -> dict:
        with self.lock:
            return {"pending": [asdict(fault) for fault in self.pending], "fired": dict(self.fired)}

    def take(self, path: str) -> Fault | None:
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
