from __future__ import annotations

import json
import logging

from billingone.lib.logging import JSONFormatter, redact_text


def format_record(message: str, *args, **extra) -> dict:
    record = logging.LogRecord("billingone.test", logging.INFO, __file__, 1, message, args, None)
    for key, value in extra.items():
        setattr(record, key, value)
    line = JSONFormatter().format(record)
    assert "\n" not in line  # one record, one line
    return json.loads(line)


def test_newlines_stay_inside_one_record():
    payload = format_record("user %s signed in", "eve\n2026-01-01 INFO forged")
    assert payload["message"] == "user eve\n2026-01-01 INFO forged signed in"
    assert payload["time"].endswith("Z")


def test_secret_fields_and_values_are_redacted():
    payload = format_record(
        "token exchange with Authorization: Bearer abc.def.ghi and client_secret=s3cr3t",
        client_secret="s3cr3t",
        refresh_token="rt-123",
        status_code=200,
        data={"password": "hunter2", "name": "ok"},
    )
    text = json.dumps(payload)
    for secret in ("abc.def.ghi", "s3cr3t", "rt-123", "hunter2"):
        assert secret not in text
    assert payload["status_code"] == 200
    assert payload["data"]["name"] == "ok"


def test_redact_text_keeps_ordinary_words():
    assert redact_text("sync finished: 10 rows") == "sync finished: 10 rows"
    assert redact_text('{"api_key": "k-1"}') == '{"api_key": "[redacted]"}'
