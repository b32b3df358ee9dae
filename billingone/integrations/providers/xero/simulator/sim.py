"""XeroSimulator: the state behind the server (organisations, identity, limits, faults) and
the accounting API's reads: lists (If-Modified-Since, where, order, the ID/number/status
filters, paging; query.py parses them) and single records by id."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

from billingone.integrations.providers.xero.simulator.data import Dataset, ms_date, stable_uuid
from billingone.integrations.providers.xero.simulator.identity import Identity
from billingone.integrations.providers.xero.simulator.limits import Limits
from billingone.integrations.providers.xero.simulator.query import (
    QueryError,
    id_list,
    parse_if_modified_since,
    parse_where,
    sort,
)
from billingone.integrations.providers.xero.simulator.webhooks import WebhookSender
from simulators.faults import FaultPlan, QuietServer

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
MAX_ROWS = 100_000
INVOICE_FIELDS = frozenset(
    {"InvoiceID", "InvoiceNumber", "Type", "Status", "Reference", "Date", "DueDate", "UpdatedDateUTC", "Total"}
    | {"SubTotal", "TotalTax", "AmountDue", "AmountPaid", "CurrencyCode", "SentToContact", "Contact.ContactID"}
    | {"Contact.Name"}
)
CONTACT_FIELDS = frozenset(
    {"ContactID", "ContactNumber", "ContactStatus", "Name", "FirstName", "LastName", "EmailAddress"}
    | {"IsCustomer", "IsSupplier", "UpdatedDateUTC", "DefaultCurrency"}
)
# List filters: query parameter → the invoice field it names (comma-separated values).
INVOICE_FILTERS = {"IDs": "InvoiceID", "InvoiceNumbers": "InvoiceNumber", "ContactIDs": "Contact", "Statuses": "Status"}

__all__ = ["QueryError", "XeroSimulator", "parse_if_modified_since"]


@dataclass
class Tenant:
    tenant_id: str
    name: str
    data: Dataset


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
        showcase: bool = False,
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
                f"xero:{seed}:{number}",
                size,
                count,
                anchor,
                company_seed=seed if number == 0 else seed + 1000,
                showcase=showcase and number == 0,
            )
            tenant_id = stable_uuid(seed, "tenant", number)
            self.tenants[tenant_id] = Tenant(tenant_id, names[number % len(names)], data)
        self.identity = Identity(self.clock)
        self.limits = Limits(self.clock, **limit_options)
        self.faults = FaultPlan(extra_kinds=("page_change",))  # "page_change": an invoice changes while a client pages
        self.webhooks = WebhookSender(self.clock, lambda: self.url if self.server else "https://api.xero.com")
        self.auto_approve = auto_approve
        self.auto_approve_tenants: list[str] | None = None  # None: all organisations
        self.lock = threading.Lock()
        self.version = 0
        self._query_cache: OrderedDict = OrderedDict()
        self.server: QuietServer | None = None
        self.requests: list[dict] = []  # (method, path, headers) of API calls, for tests
        self.idempotent: dict[tuple[str, str], tuple[int, dict]] = {}  # (tenant, Idempotency-Key) -> answer

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

    def create_document(self, tenant_id: str, resource: str, body: object, idempotency_key: str) -> tuple[int, dict]:
        """PUT/POST /Invoices or /CreditNotes: once per Idempotency-Key (a replay answers the same)."""
        from billingone.integrations.providers.xero.simulator.writes import KINDS, Rejected, create

        key = (tenant_id, idempotency_key)
        with self.lock:
            if idempotency_key and key in self.idempotent:
                return self.idempotent[key]
            try:
                document = create(self, tenant_id, resource, body)
            except Rejected as rejected:
                answer = (400, rejected.body)
            else:
                self._changed()
                answer = (200, self._envelope(KINDS[resource][0], [document], None))
            if idempotency_key:
                self.idempotent[key] = answer
        if answer[0] == 200 and resource == "invoices":
            self._announce(tenant_id, document, "CREATE")
        return answer

    def find_credit_note(self, credit_note_id: str) -> tuple[Tenant, dict] | None:
        for tenant in self.tenants.values():
            note = tenant.data.credit_notes.get(credit_note_id.lower())
            if note is not None:
                return tenant, note
        return None

    def _announce(self, tenant_id: str | None, invoice: dict, event_type: str) -> dict:
        """A configured webhook hears of the change (batched, signed, sent in the background)."""
        self.webhooks.emit(self.tenant(tenant_id).tenant_id, "INVOICE", invoice["InvoiceID"], event_type)
        return invoice

    def invoice_index(self, invoice_number: str) -> int:
        return int(invoice_number.split("-")[1]) - 1

    # ---- queries ----------------------------------------------------------------------------
    def _matching_invoices(self, data: Dataset, since: int | None, query: dict[str, str]) -> list[int]:
        """Indices of the invoices the query selects, in its order (cached until data changes)."""
        where, order = query.get("where", ""), query.get("order", "")
        filters = {name: id_list(query[name]) for name in INVOICE_FILTERS if query.get(name)}
        key = (
            id(data),
            self.version,
            since,
            where,
            order,
            tuple(sorted((k, tuple(sorted(v))) for k, v in filters.items())),
        )
        cached = self._query_cache.get(key)
        if cached is not None:
            return cached
        predicate = parse_where(where, INVOICE_FIELDS)
        indices = data.indices_since(since)
        if predicate or filters or order:  # only then is every invoice generated and read
            pairs = [(index, data.invoice(index)) for index in indices]
            pairs = [(i, invoice) for i, invoice in pairs if self._selected(invoice, predicate, filters)]
            if order:
                pairs = sort(pairs, order, INVOICE_FIELDS, record=lambda pair: pair[1])
            indices = [index for index, _ in pairs]
        self._query_cache[key] = indices
        while len(self._query_cache) > 16:
            self._query_cache.popitem(last=False)
        return indices

    @staticmethod
    def _selected(invoice: dict, predicate, filters: dict[str, set[str]]) -> bool:
        for name, wanted in filters.items():
            value = invoice["Contact"]["ContactID"] if name == "ContactIDs" else invoice[INVOICE_FILTERS[name]]
            if str(value).lower() not in wanted:
                return False
        return predicate is None or predicate(invoice)

    def list_invoices(self, tenant_id: str, query: dict[str, str], modified_since: str | None) -> dict:
        data = self.tenants[tenant_id].data
        since = parse_if_modified_since(modified_since) if modified_since else None
        with self.lock:
            indices = self._matching_invoices(data, since, query)
            page, size = self._paging(query, len(indices))
            items = [data.invoice(i) for i in indices[(page - 1) * size : page * size]]
        if query.get("summaryOnly", "").lower() == "true":
            items = [{k: v for k, v in item.items() if k != "LineItems"} for item in items]
        return self._envelope("Invoices", items, page, size, len(indices))

    def list_contacts(self, tenant_id: str, query: dict[str, str], modified_since: str | None) -> dict:
        data = self.tenants[tenant_id].data
        since = parse_if_modified_since(modified_since) if modified_since else None
        predicate = parse_where(query.get("where", ""), CONTACT_FIELDS)
        wanted = id_list(query.get("IDs", ""))
        contacts = [c.to_json() for c in data.contacts if since is None or c.updated_ms >= since]
        contacts = [c for c in contacts if (not wanted or c["ContactID"] in wanted) and (not predicate or predicate(c))]
        if query.get("order"):
            contacts = sort(contacts, query["order"], CONTACT_FIELDS)
        page, size = self._paging(query, len(contacts))
        items = contacts[(page - 1) * size : page * size]
        return self._envelope("Contacts", items, page, size, len(contacts))

    def get_invoice(self, tenant_id: str, key: str) -> dict | None:
        """One invoice by InvoiceID or InvoiceNumber (Xero accepts either in the path)."""
        data = self.tenants[tenant_id].data
        with self.lock:
            index = data.index_of(key.lower())
            if index is None and key.count("-") == 1 and key.split("-")[1].isdigit():
                number = int(key.split("-")[1]) - 1
                if 0 <= number < data.total and data.invoice(number)["InvoiceNumber"].lower() == key.lower():
                    index = number
            return None if index is None else data.invoice(index)

    def get_contact(self, tenant_id: str, contact_id: str) -> dict | None:
        data = self.tenants[tenant_id].data
        found = next((c for c in data.contacts if c.contact_id == contact_id.lower()), None)
        return None if found is None else found.to_json()

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

    def _envelope(self, key: str, items: list[dict], page: int | None, size: int = 1, total: int = 1) -> dict:
        """Xero's answer around records; a single record (page None) comes without pagination."""
        body = {
            "Id": stable_uuid("response", self.now_ms(), key, page),
            "Status": "OK",
            "ProviderName": "BillingOne",
            "DateTimeUTC": ms_date(self.now_ms(), offset=False),
            key: items,
        }
        if page is not None:
            body["pagination"] = {"page": page, "pageSize": size, "pageCount": -(-total // size), "itemCount": total}
        return body

    def single(self, key: str, record: dict) -> dict:
        return self._envelope(key, [record], None)

    def find_invoice(self, invoice_id: str) -> tuple[Tenant, dict] | None:
        for tenant in self.tenants.values():
            index = tenant.data.index_of(invoice_id)
            if index is not None:
                return tenant, tenant.data.invoice(index)
        return None

    # ---- running ----------------------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 0) -> XeroSimulator:
        from billingone.integrations.providers.xero.simulator.handler import make_handler

        self.server = QuietServer((host, port), make_handler(self))
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
