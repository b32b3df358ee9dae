"""SuperOpsSimulator: the MSP GraphQL API on two real listeners, the US host and the EU host
(`POST /msp` on each), per PROVIDERS.md §4.

Every call: `Authorization: Bearer <API token>` (missing or not this tenant's: 401) and
`CustomerSubDomain` (missing or not a tenant of this region: 400 with an empty body). Then the
tenant's rate window (800 a minute: HTTP 200 with `rate_limit_exceeded`), its subscription state
(`subscription_paused` …), and the query itself: parsed and validated with graphql-core against
the repository's reconstructed subset (contract/), so a field the subset does not know is a
GraphQL validation error, as a real server answers. Business errors arrive with HTTP 200,
`data: null` and `errors[].extensions.clientError[]`.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter, deque
from pathlib import Path

from graphql import GraphQLError, build_schema, execute, parse, validate

from billingone.integrations.providers.superops.simulator.data import Tenant
from billingone.integrations.providers.superops.simulator.listing import ListError, ordered, page_of
from simulators.faults import FaultPlan, QuietServer

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "contract" / "superops-msp-billing-subset.RECONSTRUCTED.graphql"
SCHEMA = build_schema(SCHEMA_FILE.read_text())

# The simulator's published demo tenants and tokens (never real ones).
DEMO_SUBDOMAIN, DEMO_EU_SUBDOMAIN = "demomsp", "demomsp-eu"
DEMO_TOKEN = "sop-demo-api-token-us-0123456789abcdef"
DEMO_EU_TOKEN = "sop-demo-api-token-eu-0123456789abcdef"
DEMO_TECHNICIAN_TOKEN = "sop-demo-api-token-technician-0123456789"
CLIENT_ATTRIBUTES = {"accountId", "name", "stage", "status", "emailDomains", "accountManager", "primaryContact"}
INVOICE_ATTRIBUTES = {
    "invoiceId", "displayId", "client", "site", "invoiceDate", "dueDate", "statusEnum", "sentToClient",
    "totalAmount", "paymentDate",
}  # fmt: skip
SUBSCRIPTION_ERRORS = {
    "paused": ("subscription_paused", "Your subscription is paused"),
    "cancelled": ("subscription_cancelled", "Your subscription is cancelled"),
    "trial_expired": ("subscription_trial_expired", "Your trial has expired"),
}
OPERATION = re.compile(r"\b(getClientList|getClient|getInvoiceList|getInvoiceItemList|getInvoice)\b")


def client_error(code: str, message: str) -> dict:
    return {"message": message, "extensions": {"clientError": [{"code": code, "param": {}}]}}


class ClientError(GraphQLError):
    def __init__(self, code: str, message: str):
        super().__init__(message, extensions={"clientError": [{"code": code, "param": {}}]})


class Token:
    def __init__(self, region: str, subdomain: str, can_bill: bool = True):
        self.region, self.subdomain, self.can_bill = region, subdomain, can_bill


class Root:
    """The Query type's resolvers for one tenant and one token."""

    def __init__(self, tenant: Tenant, token: Token, lists: ListCache):
        self.tenant, self.token, self.lists = tenant, token, lists

    def listed(self, rows, listing: dict, attributes: set[str]) -> tuple[list[dict], dict]:
        try:
            return self.lists.select(self.tenant, rows, listing, attributes)
        except ListError as error:
            raise ClientError(error.code, error.message) from None

    def billing(self) -> None:
        if not self.token.can_bill:
            raise ClientError("forbidden", "You do not have permission to access invoices")

    def getClientList(self, info, input):
        rows, list_info = self.listed(self.tenant.clients, input, CLIENT_ATTRIBUTES)
        return {"clients": rows, "listInfo": list_info}

    def getClient(self, info, input):
        found = next((row for row in self.tenant.clients if row["accountId"] == str(input["accountId"])), None)
        if found is None:
            raise ClientError("entity_does_not_exist", "Client does not exist")
        return found

    def getInvoiceList(self, info, input):
        self.billing()
        rows, list_info = self.listed(list(self.tenant.invoices.values()), input, INVOICE_ATTRIBUTES)
        return {"invoices": rows, "listInfo": list_info}

    def getInvoice(self, info, input):
        self.billing()
        found = self.tenant.invoice(str(input["invoiceId"]))
        if found is None:
            raise ClientError("entity_does_not_exist", "Invoice does not exist")
        return found

    def getInvoiceItemList(self, info, input):
        self.billing()
        items = [item for items in self.tenant.items.values() for item in items]
        rows, list_info = self.listed(items, input, {"itemId", "billedDate", "details", "amount"})
        return {"items": rows, "listInfo": list_info}


class ListCache:
    """The filtered, sorted list of one (tenant version, condition, sort): paging orders it once."""

    def __init__(self):
        self.lock = threading.Lock()
        self.entries: dict[tuple, list[dict]] = {}

    def select(self, tenant: Tenant, rows, listing: dict, attributes: set[str]):
        page_of([], listing)  # a bad page or pageSize is refused before any work
        unpaged = {key: value for key, value in listing.items() if key not in ("page", "pageSize")}
        key = (id(tenant), tenant.version, id(attributes), json.dumps(unpaged, sort_keys=True, default=str))
        with self.lock:
            found = self.entries.get(key)
        if found is None:
            found = ordered(rows, unpaged, attributes)
            with self.lock:
                if len(self.entries) > 32:
                    self.entries.clear()
                self.entries[key] = found
        return page_of(found, listing)


class SuperOpsSimulator:
    def __init__(
        self,
        *,
        invoices: int = 300,
        companies: int = 24,
        seed: int = 1,
        per_minute: int = 800,
        window: float = 60.0,
        latency: float = 0.0,
    ):
        us = Tenant(DEMO_SUBDOMAIN, "us", seed=seed, invoice_count=invoices, company_count=companies)
        eu = Tenant(DEMO_EU_SUBDOMAIN, "eu", seed=seed, invoice_count=max(5, invoices // 10), company_count=companies)
        self.tenants = {("us", us.subdomain): us, ("eu", eu.subdomain): eu}
        self.tokens = {
            DEMO_TOKEN: Token("us", DEMO_SUBDOMAIN),
            DEMO_TECHNICIAN_TOKEN: Token("us", DEMO_SUBDOMAIN, can_bill=False),
            DEMO_EU_TOKEN: Token("eu", DEMO_EU_SUBDOMAIN),
        }
        self.per_minute, self.window, self.latency = per_minute, window, latency
        self.faults = FaultPlan()
        self.lists = ListCache()
        self.lock = threading.RLock()
        self.windows: dict[str, deque[float]] = {}
        self.accepted: list[float] = []  # times of calls answered (the benchmark's busiest window)
        self.stats: Counter[str] = Counter()
        self.requests: list[dict] = []  # the last API requests (headers, body) for tests
        self.listings: list[tuple[str, dict]] = []  # (operation, ListInfoInput) of the last list calls
        self.servers: dict[str, QuietServer] = {}

    # ---- tenants --------------------------------------------------------------------------
    def tenant(self, region: str = "us", subdomain: str | None = None) -> Tenant:
        return self.tenants[(region, subdomain or (DEMO_SUBDOMAIN if region == "us" else DEMO_EU_SUBDOMAIN))]

    def regenerate_tokens(self) -> None:
        """Every user generated a new token: the ones handed out are refused from now on."""
        with self.lock:
            self.tokens = {f"{value}-regenerated": token for value, token in self.tokens.items()}

    def admit(self, subdomain: str) -> bool:
        """The tenant's sliding window: True when this call is within per_minute."""
        now = time.monotonic()
        with self.lock:
            calls = self.windows.setdefault(subdomain, deque())
            while calls and calls[0] <= now - self.window:
                calls.popleft()
            if len(calls) >= self.per_minute:
                self.stats["rate_limited"] += 1
                return False
            calls.append(now)
            self.accepted.append(time.time())
            return True

    def busiest_window(self, seconds: float = 60.0) -> int:
        """The most calls answered within any `seconds` (what SuperOps' limit measures)."""
        times, best, start = sorted(self.accepted), 0, 0
        for end, moment in enumerate(times):
            while moment - times[start] > seconds:
                start += 1
            best = max(best, end - start + 1)
        return best

    # ---- a call ---------------------------------------------------------------------------
    def answer(self, region: str, headers, body: bytes) -> tuple[int, bytes, dict[str, str]]:
        """(status, body, headers) for one POST /msp."""
        authorization = headers.get("Authorization") or ""
        if not authorization.startswith("Bearer "):
            return 401, json.dumps({"message": "Unauthorized"}).encode(), {}
        subdomain = (headers.get("CustomerSubDomain") or "").strip().lower()
        tenant = self.tenants.get((region, subdomain))
        if tenant is None:
            return 400, b"", {}  # SuperOps: a bad or missing subdomain, often with no body at all
        token = self.tokens.get(authorization.removeprefix("Bearer ").strip())
        if token is None or (token.region, token.subdomain) != (region, subdomain):
            return 401, json.dumps({"message": "Unauthorized"}).encode(), {}
        if not self.admit(subdomain):
            return 200, envelope(client_error("rate_limit_exceeded", "Rate limit exceeded")), {}
        if tenant.subscription in SUBSCRIPTION_ERRORS:
            return 200, envelope(client_error(*SUBSCRIPTION_ERRORS[tenant.subscription])), {}
        if self.latency:
            time.sleep(self.latency)
        return 200, self.execute(tenant, token, body), {}

    def execute(self, tenant: Tenant, token: Token, body: bytes) -> bytes:
        try:
            request = json.loads(body or b"{}")
            query, variables = str(request["query"]), request.get("variables") or {}
        except (ValueError, KeyError, TypeError):
            return envelope({"message": "Request body must be JSON {query, variables}"})
        try:
            document = parse(query)
        except GraphQLError as error:
            return envelope({**error.formatted, "extensions": {"classification": "InvalidSyntax"}})
        problems = validate(SCHEMA, document)
        if problems:
            return envelope(*({**p.formatted, "extensions": {"classification": "ValidationError"}} for p in problems))
        self.stats["calls"] += 1
        with self.lock:
            result = execute(SCHEMA, document, root_value=Root(tenant, token, self.lists), variable_values=variables)
        errors = [error.formatted for error in result.errors or ()]
        if any("clientError" in (error.get("extensions") or {}) for error in errors):
            return envelope(*errors)
        return json.dumps({"data": result.data, **({"errors": errors} if errors else {})}).encode()

    # ---- serving ----------------------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 0, eu_port: int = 0) -> SuperOpsSimulator:
        from billingone.integrations.providers.superops.simulator.handler import make_handler

        for region, number in (("us", port), ("eu", eu_port)):
            server = QuietServer((host, number), make_handler(self, region))
            threading.Thread(target=server.serve_forever, args=(0.05,), name=f"superops-{region}", daemon=True).start()
            self.servers[region] = server
        return self

    def base(self, region: str) -> str:
        host, port = self.servers[region].server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        return self.base("us")

    @property
    def api_url(self) -> str:
        return self.url + "/msp"

    @property
    def eu_api_url(self) -> str:
        return self.base("eu") + "/msp"

    @property
    def hosts(self) -> list[str]:
        return [self.base(region).removeprefix("http://") for region in self.servers]

    def stop(self) -> None:
        for server in self.servers.values():
            server.shutdown()
            server.server_close()
        self.servers = {}

    def __enter__(self) -> SuperOpsSimulator:
        return self.start() if not self.servers else self

    def __exit__(self, *exc) -> None:
        self.stop()


def envelope(*errors: dict) -> bytes:
    return json.dumps({"data": None, "errors": list(errors)}).encode()


def operation_of(body: bytes) -> str:
    """The query's root field (for fault paths and stats): getInvoice, getClientList, …"""
    found = OPERATION.search(body[:400].decode("utf-8", "replace"))
    return found.group(1) if found else ""
