"""Client IP from the request, trusting only the configured number of proxy hops."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the address the Nth trusted proxy saw when proxies are configured.

    Only the right-most TRUSTED_PROXY_COUNT entries of X-Forwarded-For were written by our
    own proxies; anything left of them came from the client and may be forged.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    hops = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < hops:
        return remote
    return forwarded[-hops]
