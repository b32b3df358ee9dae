"""Errors raised by the organization flows; web views show the message, the API maps them."""

from __future__ import annotations


class FlowError(Exception):
    """A refused change, with a message for the person and an API status/code."""

    status = 422
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, retry_after: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.retry_after = retry_after


class NotAllowed(FlowError):
    status = 403
    code = "forbidden"


class Conflict(FlowError):
    status = 409
    code = "conflict"


class RateLimited(FlowError):
    status = 429
    code = "rate_limited"
