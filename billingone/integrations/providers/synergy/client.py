"""Synergy Wholesale's SOAP API as the provider needs it: one POST per command to the API
location, the reseller ID and API key inside every call, and the answers' `status` turned into
the error taxonomy of integrations/base.py.

Calls go through lib/http.ProviderClient (configured host only, timeouts, retries, the
per-account limiter). Synergy documents no rate limit; SYNERGY_RATE_LIMIT_* keep us modest.
NuSOAP answers a fault with HTTP 500: a *Client* fault (our request is wrong) is not worth
retrying and is raised at once; a *Server* fault is retried like any 5xx and its text is kept
for the message.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import socket
import time
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from billingone.integrations.base import (
    CredentialsRejected,
    PermissionMissing,
    ProviderServerError,
    RateLimit,
    UnexpectedAnswer,
)
from billingone.integrations.providers.synergy import soap
from billingone.lib.http import ProviderClient, limiter_for

NAME = "Synergy Wholesale"
CREDENTIAL_FIELDS = ("reseller_id", "api_key")
LOGIN_FAILED = {"ERR_LOGIN_FAILED", "ERR_RESELLER_AUTH_FAILED"}
NOT_AUTHORISED = "ERR_RESELLER_NOT_AUTHORISED"
# Documented "please try again later" answers: the server's trouble, retried by the engine.
NOT_FOUND = {"ERR_DOMAIN_NOT_FOUND", "ERR_HOSTING_SERVICE_NOT_FOUND"}
TRY_LATER = {"ERR_OCCURED", "ERR_DAEMON_FAILED", "ERR_DBLOOKUP_FAILED"}
IP_IN_TEXT = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b|\b[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}\b")


class SoapFault(UnexpectedAnswer):
    """Synergy answered with a SOAP Fault (a request it could not process)."""

    code = "soap_fault"


class NotFound(UnexpectedAnswer):
    """Synergy says the item asked for does not exist (a domain or service gone since listed)."""

    code = "not_found"


class NotRegistered(PermissionMissing):
    """The reseller's account refuses calls from this server's IP address."""

    code = "address_not_registered"


def rate_limit() -> RateLimit:
    return RateLimit(
        calls=settings.SYNERGY_RATE_LIMIT_CALLS,
        period=float(settings.SYNERGY_RATE_LIMIT_PERIOD_SECONDS),
        concurrency=settings.SYNERGY_MAX_CONCURRENCY,
    )


def succeeded(status: str, command: str) -> bool:
    """The official modules' rule: success starts with OK (or AVAILABLE). hostingGetService
    answers the service's own status there ("Active"), so for it anything but ERR_ is success."""
    if command == "hostingGetService":
        return bool(status) and not status.startswith("ERR_")
    return status.startswith(("OK", "AVAILABLE"))


class SoapHttp(ProviderClient):
    """ProviderClient that reads SOAP Faults out of NuSOAP's HTTP 500 answers."""

    last_fault: soap.Fault | None = None

    def __init__(self, *, account_key: str, rate_limit: RateLimit, **options):
        super().__init__(account_key=account_key, rate_limit=rate_limit, **options)
        # The budget's key: the provider's key, not its display name (cache keys take no spaces).
        self.limiter = limiter_for(f"synergy:{account_key}", rate_limit)

    def _send(self, method, url, address, **kwargs) -> httpx.Response:
        response = super()._send(method, url, address, **kwargs)
        if response.status_code >= 500:
            try:
                fault = soap.fault_of(soap.parse_envelope(response.content))
            except soap.Malformed:
                fault = None
            self.last_fault = fault
            if fault is not None and fault.is_client and response.status_code == 500:
                raise SoapFault(f"{NAME} answered with a SOAP fault: {self.scrub(fault.string)[:200]}")
        return response


def outbound_address(url: str) -> str:
    """The address this server's calls to `url` leave from, as the operating system routes them
    (a UDP socket's local end: nothing is sent). Behind NAT the public address differs, so an
    operator can name it instead in SYNERGY_OUTBOUND_IP."""
    if settings.SYNERGY_OUTBOUND_IP:
        return settings.SYNERGY_OUTBOUND_IP
    parts = urlsplit(url)
    try:
        family = socket.AF_INET6 if ":" in (parts.hostname or "") else socket.AF_INET
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.connect((parts.hostname or "", parts.port or 443))
            return probe.getsockname()[0]
    except OSError:
        return ""


def is_public(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_global
    except ValueError:
        return False


class SynergyApi:
    def __init__(self, reseller_id: str, api_key: str):
        self.reseller_id, self.api_key = reseller_id, api_key
        self.url = settings.SYNERGY_API_URL
        self.http = SoapHttp(
            provider=NAME,
            account_key=hashlib.sha256(f"{reseller_id}:{api_key}".encode()).hexdigest()[:16],
            rate_limit=rate_limit(),
            allowed_urls=[self.url],
            secrets=[api_key],
            rate_headers=lambda headers: None,  # no rate headers; a 429's Retry-After pauses the limiter
        )

    def close(self) -> None:
        self.http.close()

    def call(self, command: str, **params: object) -> dict:
        """One command; its `return` struct when the status says it succeeded."""
        answer = self.exchange(command, {"resellerID": self.reseller_id, "apiKey": self.api_key, **params})
        status = str(answer.get("status") or "")
        if succeeded(status, command):
            return answer
        raise self.error(command, status, str(answer.get("errorMessage") or ""))

    def exchange(self, command: str, params: dict[str, object]) -> dict:
        """POST the envelope and parse the answer; unreadable bodies are retried a few times."""
        body = soap.request_envelope(command, params)
        headers = {
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": f'"{soap.API_NS}#{command}"',
            "Accept": "text/xml",
        }
        for attempt in range(self.http.max_retries + 1):
            try:
                response = self.http.request("POST", self.url, content=body, headers=headers)
            except ProviderServerError as error:
                fault = self.http.last_fault
                raise ProviderServerError(
                    f"{error.message} SOAP fault: {fault.string[:200]}" if fault else error.message
                ) from None
            try:
                parsed = soap.parse_response(response.content, command)
            except soap.Malformed as exc:
                if attempt >= self.http.max_retries:
                    raise UnexpectedAnswer(
                        f"{NAME} sent an answer to {command} that is not a readable SOAP envelope "
                        f"(HTTP {response.status_code}: {exc})."
                    ) from None
                self.http.stats.retries += 1
                time.sleep(self.http._backoff(attempt))
                continue
            if isinstance(parsed, soap.Fault):
                raise SoapFault(f"{NAME} answered {command} with a SOAP fault: {self.http.scrub(parsed.string)[:200]}")
            if response.status_code != 200:
                raise UnexpectedAnswer(f"{NAME} answered {command} with HTTP {response.status_code}.")
            return parsed
        raise AssertionError("unreachable")

    def error(self, command: str, status: str, message: str):
        said = self.http.scrub(message)[:200]
        if status in LOGIN_FAILED:
            return CredentialsRejected(
                f"{NAME} refused this reseller ID and API key ({status}: {said or 'login failed'}). "
                "Copy both from the wholesale system: Account Functions → API Information.",
                field=CREDENTIAL_FIELDS,
            )
        if status == NOT_AUTHORISED:
            return self.not_registered(said)
        if status in NOT_FOUND or (status == "ERR_DOMAININFO_FAILED" and "does not exist" in said.lower()):
            return NotFound(f"{NAME} has no such item ({status}: {said}).")
        if status in TRY_LATER:
            return ProviderServerError(f"{NAME} could not answer {command} ({status}: {said}).")
        return UnexpectedAnswer(f"{NAME} answered {command} with {status or 'no status'}{': ' + said if said else ''}.")

    def not_registered(self, said: str) -> NotRegistered:
        """Synergy only answers API calls from IP addresses the reseller registered with it."""
        seen = IP_IN_TEXT.search(said)
        address = seen.group(0) if seen else outbound_address(self.url)
        where = f"this server's address, {address}" if address else "this server's outbound IP address"
        caveat = (
            ""
            if not address or seen or settings.SYNERGY_OUTBOUND_IP or is_public(address)
            else " (a private address: register the public address your network uses to reach the internet)"
        )
        return NotRegistered(
            f"{NAME} accepted the login but does not allow API calls from this server: its IP address is not "
            f"registered with Synergy. In the wholesale system, Account Functions → API Information, add {where}"
            f"{caveat}, then test again. Synergy said: {said or 'reseller not authorised'}",
        )
