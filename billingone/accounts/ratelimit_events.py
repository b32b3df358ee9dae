"""A refused attempt (a named budget ran out) is logged and audited (SECURITY.md 16.3.3, #13)."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from billingone.audit.log import record
from billingone.lib.net import client_ip

logger = logging.getLogger("billingone.ratelimit")

# allauth error codes that mean "a rate-limit budget is spent".
LIMIT_CODES = frozenset({"too_many_login_attempts", "rate_limited"})


def exceeded(request: HttpRequest | None, code: str) -> None:
    path = getattr(request, "path", "")[:200]
    logger.warning(
        "Rate limit exceeded", extra={"code": code, "path": path, "ip": client_ip(request) if request else ""}
    )
    user = getattr(request, "user", None)
    record(
        "ratelimit.exceeded",
        request=request,
        actor=user if user is not None and user.is_authenticated else None,
        data={"code": code, "path": path},
    )


def too_many_requests(request: HttpRequest, exception=None) -> HttpResponse:
    """handler429: allauth's refusals (sign-in, sign-up, reset) in our UI, logged and audited."""
    exceeded(request, "http_429")
    response = render(request, "errors/429.html", status=429)
    response["Retry-After"] = "60"
    return response
