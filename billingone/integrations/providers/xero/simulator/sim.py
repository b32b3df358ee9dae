"""XeroSimulator: the state behind the server (organisations, identity, limits, faults) and
the accounting API's query logic (If-Modified-Since, where/Statuses filters, paging)."""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.server import ThreadingHTTPServer

from billingone.integrations.providers.xero.simulator.data import Dataset, ms, ms_date, stable_uuid
from billingone.integrations.providers.xero.simulator.faults import Faults
from billingone.integrations.providers.xero.simulator.identity import Identity
from billingone.integrations.providers.xero.simulator.limits import Limits
from billingone.integrations.providers.xero.simulator.webhooks import WebhookSender

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
MAX_ROWS = 100_000
WHERE_TERM = re.compile(r'^\s*(\w+)\s*==\s*(?:"([^"]*)"|(true|false))\s*$')


class QueryError(ValueError):
    """A request Xero would refuse with a 400 ValidationException."""


@dataclass
class Tenant:
    tenant_id: str
    name: str
    data: Dataset


def parse_if_modified_since(value: str) -> int:
    """Milliseconds since the epoch; Xero accepts ISO 8601 and the HTTP date format."""
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            raise QueryError(f"If-Modified-Since is not a date: {value[:40]}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return ms(moment)


def parse_where(where: str) -> dict[str, str]:
    terms: dict[str, str] = {}
    if not where.strip():
        return terms
    for part in re.split(r"\s+AND\s+|&&", where):
        match = WHERE_TERM.match(part)
        if not match:
            raise QueryError(f"Unsupported where clause: {part.strip()[:60]}")
        terms[match.group(1)] = match.group(2) if match.group(2) is not None else match.group(3)
    return terms


class XeroSimulator:
    def __init__(
        self,
        *,
        invoices: int = 2000,
        companies: int = 24,
        seed: int = 1,
        anchor: datetime | None = None,
        tenants: int = 2,
        auto_approve: bool = False,
        **limit_options,
    ):
        self.offset = 0.0
        anchor = anchor or datetime.now(tz=UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        self.tenants: dict[str, Tenant] = {}
        names = ["Demo MSP Pty Ltd", "Demo MSP Training Co", "Demo MSP Holdings"]
        for number in range(tenants):
            # The first organisation is the MSP's books; the others are small side organisations.
            size, count = (invoices, companies) if number == 0 else (max(5, invoices // 40), max(4, companies // 6))
            data = Dataset(
                f"xero:{seed}:{number}", size, count, anchor, company_seed=seed if number == 0 else seed + 1000
            )
            tenant_id = stable_uuid(seed, "tenant", number)
            self.tenants[tenant_id] = Tenant(tenant_id, names[number % len(names)], data)
        self.identity = Identity(self.clock)
        self.limits = Limits(self.clock, **limit_options)
        self.faults = Faults()
        self.webhooks = WebhookSender(self.clock, lambda: self.url if self.server else "https://api.xero.com")
        self.auto_approve = auto_approve
        self.auto_approve_tenants: list[str] | None = None  # None: all organisations
        self.lock = threading.Lock()
        self.version = 0
        self._query_cache: OrderedDict = OrderedDict()
        self.server: ThreadingHTTPServer | None = None
        self.requests: list[dict] = []  # (method, path, headers) of API calls, for tests

    # ---- clock ------------------------------------------------------------------------------
    def clock(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    # ---- organisations ----------------------------------------------------------------------
    @property
    def tenant_ids(self) -> list[str]:
        return list(self.tenants)

    def tenant(self, tenant_id: str | None = None) -> Tenant:
        return self.tenants[tenant_id or self.tenant_ids[0]]

    def tenant_names(self) -> dict[str, str]:
        return {tid: tenant.name for tid, tenant in self.tenants.items()}

    # ---- changes ----------------------------------------------------------------------------
    def _changed(self) -> None:
        self.version += 1
        self._query_cache.clear()

    def change_invoice(self, index: int, tenant_id: str | None = None) -> dict:
        with self.lock:
            invoice = self.tenant(tenant_id).data.change_invoice(index, self.now_ms())
            self._changed()
        return self._announce(tenant_id, invoice, "UPDATE")

    def void_invoice(self, index: int, tenant_id: str | None = None) -> dict:
        with self.lock:
            invoice = self.tenant(tenant_id).data.void_invoice(index, self.now_ms())
            self._changed()
        return self._announce(tenant_id, invoice, "UPDATE")

    def add_invoice(self, tenant_id: str | None = None) -> dict:
        with self.lock:
            invoice = self.tenant(tenant_id).data.add_invoice(self.now_ms())
            self._changed()
        return self._announce(tenant_id, invoice, "CREATE")

    def _announce(self, tenant_id: str | None, invoice: dict, event_type: str) -> dict:
        """A configured webhook hears of the change (batched, signed, sent in the background)."""
        self.webhooks.emit(self.tenant(tenant_id).tenant_id, "INVOICE", invoice["InvoiceID"], event_type)
        return invoice

    def invoice_index(self, invoice_number: str) -> int:
        return int(invoice_number.split("-")[1]) - 1

    # ---- queries ----------------------------------------------------------------------------
    def _matching_invoices(self, data: Dataset, since: int | None, terms: dict, statuses: set) -> list[int]:
        key = (id(data), self.version, since, tuple(sorted(terms.items())), tuple(sorted(statuses)))
        cached = self._query_cache.get(key)
        if cached is not None:
            return cached
        indices = data.indices_since(since)
        if terms or statuses:
            indices = [i for i in indices if self._invoice_matches(data.invoice(i), terms, statuses)]
        self._query_cache[key] = indices
        while len(self._query_cache) > 16:
            self._query_cache.popitem(last=False)
        return indices

    @staticmethod
    def _invoice_matches(invoice: dict, terms: dict, statuses: set) -> bool:
        if statuses and invoice["Status"] not in statuses:
            return False
        for field, expected in terms.items():
            if field not in ("Type", "Status", "InvoiceNumber", "Reference"):
                raise QueryError(f"Unsupported where field: {field}")
            if str(invoice.get(field)) != expected:
                return False
        return True

    def list_invoices(self, tenant_id: str, query: dict[str, str], modified_since: str | None) -> dict:
        data = self.tenants[tenant_id].data
        since = parse_if_modified_since(modified_since) if modified_since else None
        terms = parse_where(query.get("where", ""))
        statuses = {s.strip() for s in query.get("Statuses", "").split(",") if s.strip()}
        with self.lock:
            indices = self._matching_invoices(data, since, terms, statuses)
            if "IDs" in query:
                wanted = {value.strip().lower() for value in query["IDs"].split(",")}
                indices = [i for i in indices if data.invoice(i)["InvoiceID"] in wanted]
            page, size = self._paging(query, len(indices))
            chosen = indices[(page - 1) * size : page * size]
            items = [data.invoice(i) for i in chosen]
        if query.get("summaryOnly", "").lower() == "true":
            items = [{k: v for k, v in item.items() if k != "LineItems"} for item in items]
        return self._envelope("Invoices", items, page, size, len(indices))

    def list_contacts(self, tenant_id: str, query: dict[str, str], modified_since: str | None) -> dict:
        data = self.tenants[tenant_id].data
        since = parse_if_modified_since(modified_since) if modified_since else None
        terms = parse_where(query.get("where", ""))
        contacts = [c for c in data.contacts if since is None or c.updated_ms >= since]
        for field, expected in terms.items():
            if field not in ("ContactStatus", "IsCustomer", "IsSupplier", "Name"):
                raise QueryError(f"Unsupported where field: {field}")
            contacts = [c for c in contacts if str(c.to_json()[field]).lower() == expected.lower()]
        page, size = self._paging(query, len(contacts))
        items = [c.to_json() for c in contacts[(page - 1) * size : page * size]]
        return self._envelope("Contacts", items, page, size, len(contacts))

    @staticmethod
    def _paging(query: dict[str, str], total: int) -> tuple[int, int]:
        try:
            page = int(query.get("page", "1"))
            size = int(query.get("pageSize", str(DEFAULT_PAGE_SIZE)))
        except ValueError:
            raise QueryError("page and pageSize must be whole numbers") from None
        if page < 1 or size < 1:
            raise QueryError("page and pageSize must be at least 1")
        if "page" not in query:
            if total > MAX_ROWS:
                raise QueryError("The request matches more than 100000 rows; use paging")
            return 1, max(total, 1)
        return page, min(size, MAX_PAGE_SIZE)

    def _envelope(self, key: str, items: list[dict], page: int, size: int, total: int) -> dict:
        return {
            "Id": stable_uuid("response", self.now_ms(), key, page),
            "Status": "OK",
            "ProviderName": "BillingOne",
            "DateTimeUTC": ms_date(self.now_ms(), offset=False),
            "pagination": {"page": page, "pageSize": size, "pageCount": -(-total // size), "itemCount": total},
            key: items,
        }

    def find_invoice(self, invoice_id: str) -> tuple[Tenant, dict] | None:
        for tenant in self.tenants.values():
            index = tenant.data.index_of(invoice_id)
            if index is not None:
                return tenant, tenant.data.invoice(index)
        return None

    # ---- running ----------------------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 0) -> XeroSimulator:
        from billingone.integrations.providers.xero.simulator.handler import make_handler

        self.server = ThreadingHTTPServer((host, port), make_handler(self))
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), name="xero-sim", daemon=True).start()
        return self

    @property
    def url(self) -> str:
        assert self.server is not None, "start() the simulator first"
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self) -> XeroSimulator:
        return self.start() if self.server is None else self

    def __exit__(self, *exc) -> None:
        self.stop()
