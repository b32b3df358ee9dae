"""Outbound HTTP to providers (SECURITY.md 34), on httpx.

- Hosts come from configuration only: a client may call the hosts of the URLs its provider's
  settings name, nothing else (no host taken from user input or provider answers).
- https only, redirects never followed, every request has connect/read/write/pool timeouts.
- Private, loopback, link-local and metadata addresses are refused, unless the host:port is
  listed in INTEGRATION_SIMULATOR_HOSTS (the local provider simulators).
- One Limiter per provider account keeps under the documented rate (sliding window) and
  concurrency, pauses on Retry-After and on rate headers, so steady state never sees a 429; its
  counts are shared by every process through the store the app passes in (lib/budget.py).
- Transient failures (timeouts, 5xx, 429, garbled JSON) are retried here a few times with
  backoff; what still fails is raised as the provider error taxonomy of integrations/base.py.
- Nothing secret is logged: only method, host, path, status and timing; known secret values
  are scrubbed from every message we build.
"""

from __future__ import annotations

import email.utils
import ipaddress
import json
import logging
import random
import socket
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings

from billingone.integrations.base import (
    ConfigurationInvalid,
    ProviderServerError,
    ProviderTimeout,
    RateLimit,
    RateLimited,
    UnexpectedAnswer,
    Unreachable,
)
from billingone.lib.budget import BudgetStore, MemoryBudgetStore, Rate, admit, finish, new_ticket
from billingone.lib.budget import pause as pause_account
from billingone.lib.logging import REDACTED

logger = logging.getLogger("billingone.http")

MAX_RETRY_AFTER = 300.0  # never sleep longer than this on one provider hint
METADATA_ADDRESSES = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}


# ---- the limiter ----------------------------------------------------------------------------


class Limiter:
    """Rate + concurrency limiter of one provider account (thread-safe). Its counts live in a
    BudgetStore (lib/budget.py): this process's, or one shared by every process when the app passes
    one in (set_budget_store), so N workers spend one budget, not N.

    `clock` and `sleep` are injectable so tests control time instead of sleeping; the clock is wall
    time, the one clock every process shares."""

    def __init__(
        self,
        rate: RateLimit,
        *,
        account: str = "account",
        store: BudgetStore | None = None,
        clock: Callable[[], float] = time.time,
        sleep=time.sleep,
    ):
        self.rate = rate
        self.rule = Rate(rate.calls, rate.period, rate.concurrency, rate.headroom)
        self.budget = self.rule.budget
        self.account, self.store = account, store or MemoryBudgetStore()
        self.clock, self.sleep = clock, sleep
        self.waited = 0.0

    @contextmanager
    def slot(self):
        ticket = new_ticket()
        while True:
            wait = self.store.update(self.account, lambda state: admit(state, self.rule, self.clock(), ticket)) or 0.0
            if wait <= 0:
                break
            self.waited += wait
            self.sleep(wait)
        try:
            yield
        finally:
            self.store.update(self.account, lambda state: finish(state, ticket, self.clock()))

    def pause(self, seconds: float) -> None:
        """The provider asked us to hold off (Retry-After, rate headers): every caller waits."""
        until = self.clock() + min(max(seconds, 0.0), MAX_RETRY_AFTER)
        self.store.update(self.account, lambda state: pause_account(state, until))


_LIMITERS: dict[str, Limiter] = {}
_LIMITERS_LOCK = threading.Lock()
_STORE: list[BudgetStore] = [MemoryBudgetStore()]


def set_budget_store(store: BudgetStore) -> None:
    """Where every limiter keeps its counts from now on (the integrations app passes a shared one)."""
    with _LIMITERS_LOCK:
        _STORE[0] = store
        _LIMITERS.clear()


def limiter_for(account_key: str, rate: RateLimit) -> Limiter:
    """The limiter of one provider account (shared by syncs and connection tests)."""
    with _LIMITERS_LOCK:
        limiter = _LIMITERS.get(account_key)
        if limiter is None or limiter.rate != rate:
            limiter = _LIMITERS[account_key] = Limiter(rate, account=account_key, store=_STORE[0])
        return limiter


# ---- host policy ----------------------------------------------------------------------------


def simulator_hosts() -> set[str]:
    return {entry.lower() for entry in getattr(settings, "INTEGRATION_SIMULATOR_HOSTS", [])}


def _is_blocked_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    return (
        ip in METADATA_ADDRESSES
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


Resolver = Callable[..., list]


def check_url(url: str, allowed_urls: Iterable[str], resolve: Resolver = socket.getaddrinfo) -> str | None:
    """Refuse any URL whose host:port is not one of the configured provider URLs', any
    non-https URL outside the simulators, and any host resolving to a private address.
    Returns the checked address to connect to (None for the local simulators): connecting to
    it, not to the name again, leaves no window for DNS to answer differently (rebinding)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    netloc = f"{host}:{parts.port}" if parts.port else host
    allowed = {
        (urlsplit(u).hostname or "").lower() + (f":{urlsplit(u).port}" if urlsplit(u).port else "")
        for u in allowed_urls
    }
    if not host or netloc not in allowed:
        raise ConfigurationInvalid(f"Refusing to call {host or 'an empty host'}: not a configured provider host.")
    simulated = netloc in simulator_hosts() or host in simulator_hosts()
    if parts.scheme != "https" and not simulated:
        raise ConfigurationInvalid(f"Refusing to call {host} over {parts.scheme}: providers are called over https.")
    if simulated:
        return None
    try:
        infos = resolve(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise Unreachable(f"{host} could not be resolved.") from exc
    if not infos or any(_is_blocked_address(info[4][0]) for info in infos):
        raise ConfigurationInvalid(f"Refusing to call {host}: it resolves to a private or reserved address.")
    return infos[0][4][0]


def pinned(url: str, address: str | None) -> tuple[str, dict[str, str], dict[str, str]]:
    """(url, headers, extensions) that reach `address` while the server still sees the name: the
    Host header and the TLS SNI + certificate check use the host name of `url`."""
    if address is None:
        return url, {}, {}
    parts = urlsplit(url)
    ip_host = f"[{address}]" if ":" in address else address
    netloc = ip_host + (f":{parts.port}" if parts.port else "")
    host_header = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc)), {"Host": host_header}, {"sni_hostname": parts.hostname or ""}


# ---- rate headers -------------------------------------------------------------------------


def retry_after_seconds(headers: httpx.Headers) -> float | None:
    value = headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        if parsed is None:
            return None
        return max(0.0, parsed.timestamp() - time.time())


def generic_rate_pause(headers: httpx.Headers) -> float | None:
    """X-RateLimit-Remaining: 0 with X-RateLimit-Reset (seconds) → wait for the reset."""
    remaining = headers.get("X-RateLimit-Remaining")
    if remaining is not None and remaining.strip() == "0":
        try:
            return float(headers.get("X-RateLimit-Reset", "1"))
        except ValueError:
            return 1.0
    return None


# ---- the client -----------------------------------------------------------------------------


@dataclass
class CallStats:
    calls: int = 0
    retries: int = 0
    rate_limited: int = 0  # 429 answers received
    waited_seconds: float = 0.0
    by_status: dict[int, int] = field(default_factory=dict)


class ProviderClient:
    """httpx.Client wrapper for one provider account. Use `request()`/`request_json()`;
    non-retryable statuses (401, 403, 404, 4xx) are returned for the provider to interpret."""

    def __init__(
        self,
        *,
        provider: str,
        account_key: str,
        rate_limit: RateLimit,
        allowed_urls: Iterable[str],
        secrets: Iterable[str] = (),
        timeout: float | None = None,
        max_retries: int | None = None,
        rate_headers: Callable[[httpx.Headers], float | None] = generic_rate_pause,
        rate_limited_answer: Callable[[httpx.Response], float | None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        resolve: Resolver = socket.getaddrinfo,
    ):
        self.provider = provider
        self.allowed_urls = [u for u in allowed_urls if u]
        self.secrets = [s for s in secrets if s and len(s) >= 4]
        self.limiter = limiter_for(f"{provider}:{account_key}", rate_limit)
        self.max_retries = getattr(settings, "INTEGRATION_HTTP_RETRIES", 3) if max_retries is None else max_retries
        read = timeout or getattr(settings, "INTEGRATION_HTTP_TIMEOUT_SECONDS", 30.0)
        self.http = httpx.Client(
            timeout=httpx.Timeout(connect=5.0, read=read, write=10.0, pool=10.0),
            follow_redirects=False,
            trust_env=False,  # no proxy or netrc taken from the environment
            headers={"User-Agent": "BillingOne/1 (+integrations)", "Accept": "application/json"},
        )
        self.rate_headers = rate_headers
        # Providers that refuse for rate inside a normal answer (SuperOps: HTTP 200 with a
        # `rate_limit_exceeded` error) say so here: seconds to pause, or None. Treated as a 429.
        self.rate_limited_answer = rate_limited_answer
        self.sleep = sleep
        self.resolve = resolve
        self.stats = CallStats()

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> ProviderClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def _backoff(self, attempt: int) -> float:
        base = getattr(settings, "INTEGRATION_HTTP_BACKOFF_SECONDS", 0.5)
        return base * (2**attempt) * (0.75 + random.random() / 2)  # noqa: S311 - jitter, not crypto

    def request(self, method: str, url: str, **kwargs) -> httpx.Response:
        address = check_url(url, self.allowed_urls, self.resolve)
        attempt = 0
        while True:
            try:
                response = self._send(method, url, address, **kwargs)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                error = self._transport_error(url, exc)
                if attempt >= self.max_retries:
                    raise error from exc
                wait = self._backoff(attempt)
            else:
                refused_for_rate = self._refused_for_rate(response)
                if refused_for_rate is not None:
                    self.stats.rate_limited += 1
                    hint = refused_for_rate if refused_for_rate > 0 else None
                    self.limiter.pause(hint if hint is not None else self._backoff(attempt))
                    if attempt >= self.max_retries + 2:
                        raise RateLimited(
                            f"{self.provider} kept refusing for rate (too many requests).", retry_after=hint
                        )
                    wait = 0.0  # the limiter pause does the waiting, for every caller of this account
                elif response.status_code >= 500:
                    if attempt >= self.max_retries:
                        raise ProviderServerError(
                            f"{self.provider} answered HTTP {response.status_code} (a server error on their side)."
                        )
                    wait = retry_after_seconds(response.headers) or self._backoff(attempt)
                elif 300 <= response.status_code < 400:
                    raise UnexpectedAnswer(
                        f"{self.provider} answered with a redirect ({response.status_code}); not followed."
                    )
                else:
                    return response
            attempt += 1
            self.stats.retries += 1
            if wait:
                self.stats.waited_seconds += wait
                self.sleep(wait)

    def _refused_for_rate(self, response: httpx.Response) -> float | None:
        """None when the answer is not a rate refusal; else the seconds asked for (0: none said)."""
        if response.status_code == 429:
            return retry_after_seconds(response.headers) or 0.0
        if self.rate_limited_answer is not None:
            return self.rate_limited_answer(response)
        return None

    def _send(self, method: str, url: str, address: str | None, **kwargs) -> httpx.Response:
        target, host_header, extensions = pinned(url, address)
        if host_header:
            kwargs["headers"] = {**(kwargs.get("headers") or {}), **host_header}
            kwargs["extensions"] = {**(kwargs.get("extensions") or {}), **extensions}
        with self.limiter.slot():
            started = time.monotonic()
            self.stats.calls += 1
            response = self.http.request(method, target, **kwargs)
            response.read()
        self.stats.by_status[response.status_code] = self.stats.by_status.get(response.status_code, 0) + 1
        pause = self.rate_headers(response.headers)
        if pause:
            self.limiter.pause(pause)
        logger.debug(
            "provider call",
            extra={
                "provider": self.provider,
                "method": method,
                "host": urlsplit(url).hostname,
                "path": urlsplit(url).path,
                "status": response.status_code,
                "ms": round((time.monotonic() - started) * 1000),
            },
        )
        return response

    def _transport_error(self, url: str, exc: Exception) -> Unreachable:
        host = urlsplit(url).hostname
        if isinstance(exc, httpx.TimeoutException):
            return ProviderTimeout(f"{self.provider} did not answer in time ({host}).")
        return Unreachable(f"{self.provider} could not be reached ({host}): {self.scrub(type(exc).__name__)}.")

    def request_json(self, method: str, url: str, **kwargs) -> tuple[httpx.Response, object]:
        """request() and parse JSON; a garbled body is retried like a transient failure."""
        for attempt in range(self.max_retries + 1):
            response = self.request(method, url, **kwargs)
            try:
                return response, response.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                if attempt >= self.max_retries:
                    raise UnexpectedAnswer(
                        f"{self.provider} sent an answer that is not valid JSON (HTTP {response.status_code})."
                    ) from None
                self.stats.retries += 1
                self.sleep(self._backoff(attempt))
        raise AssertionError("unreachable")
