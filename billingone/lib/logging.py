"""Structured JSON logs with secrets redacted before anything is written."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

# Keys whose values never reach a log line, whatever the logger passed in.
SECRET_KEYS = re.compile(
    r"^(.*[_-])?(password\d?|passwd|secret|token|api[_-]?key|authorization|cookie|otp|credentials?"
    r"|session[_-]?key|recovery[_-]?codes?|code[_-]?verifier|totp)$",
    re.IGNORECASE,
)
# Values that look like secrets inside free text: bearer tokens, key=value pairs with secret names.
SECRET_PATTERNS = [
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(
        r"(?i)((?:pass(?:word)?|secret|token|api[_-]?key|client_secret|refresh_token|access_token)"
        r"[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]+"
    ),
]
REDACTED = "[redacted]"
STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def redact_text(text: str) -> str:
    for pattern in SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


def redact_value(key: str, value: object) -> object:
    if SECRET_KEYS.search(key):
        return REDACTED
    if isinstance(value, dict):
        return {k: redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, str):
        return redact_text(value)
    return value


class JSONFormatter(logging.Formatter):
    """One JSON object per line; newlines inside messages stay escaped (log-injection safe)."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat().replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact_text(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in STANDARD_ATTRS and not key.startswith("_"):
                payload[key] = redact_value(key, value if _jsonable(value) else repr(value))
        if record.exc_info:
            payload["exception"] = redact_text(self.formatException(record.exc_info))
        return json.dumps(payload, default=str)


def _jsonable(value: object) -> bool:
    return isinstance(value, str | int | float | bool | type(None) | dict | list)
