"""QuickBooksSimulator: the state behind the server (companies, OAuth, throttles, faults,
webhooks) and the accounting API's logic: query, Change Data Capture, reads and invoice writes.

API errors are raised as ApiFault and rendered by the handler as QBO's Fault envelope.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from billingone.integrations.providers.quickbooks.simulator.data import QBO_ZONE, Books, stamp
from billingone.integrations.providers.quickbooks.simulator.identity import Identity
from billingone.integrations.providers.quickbooks.simulator.limits import Limits
from billingone.integrations.providers.quickbooks.simulator.query import Query, QueryError, matches, parse, sort_key
from billingone.integrations.providers.quickbooks.simulator.webhooks import Webhooks
from simulators.faults import FaultPlan, QuietServer

CDC_MAX_DAYS = 30
CDC_MAX_OBJECTS = 1000
ENTITIES = ("Customer", "Item", "Invoice", "CompanyInfo")
REQUIRED = "Required param missing, need to supply the required value"
REALM_NAMES = ("Demo MSP LLC", "Demo MSP Training Co")


class ApiFault(Exception):
    """A QBO Fault: `type` ValidationFault / SystemFault / AuthenticationFault / AuthorizationFault."""

    def __init__(self, status: int, code: str, message: str, detail: str = "", kind: str = "ValidationFault"):
        super().__init__(message)
        self.status, self.code, self.message, self.detail, self.kind = status, code, message, detail, kind


@dataclass
class Company:
    realm_id: str
    name: str
    books: Books


def parse_time(value: str) -> float:
    text = value.strip().replace(" ", "+")  # a '+' offset arrives as a space when not URL-encoded
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ApiFault(400, "2030", "Invalid parameter", f"changedSince is not a date-time: {value[:40]}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=QBO_ZONE)
    return moment.timestamp()


class QuickBooksSimulator:
    def __init__(
        self,
        *,
        invoices: int = 1500,
        companies: int = 24,
        seed: int = 1,
        realms: int = 2,
        anchor: float | None = None,
        auto_approve: bool = False,
        per_minute: int = 500,
        concurrent: int = 10,
        window: float = 60.0,  # the throttle's window in seconds (tests shorten it)
        showcase: bool = False,  # the demo's story: its clients are billed in Xero only (simulators/dataset.py)
    ):
        self.offset = 0.0
        self.frozen: float | None = None
        now = time.time()
        anchor = anchor if anchor is not None else now - 3600
        self.companies: dict[str, Company] = {}
        for number in range(realms):
            # The first company is the MSP's books; a second, small one is there to choose between.
            size, count = (invoices, companies) if number == 0 else (max(5, invoices // 40), max(4, companies // 6))
            company_seed = seed if number == 0 else seed + 1000
            books = Books(f"qbo:{seed}:{number}", size, count, anchor, company_seed=company_seed, showcase=showcase)
            realm_id = str(9341453050298760 + seed * 100 + number)
            self.companies[realm_id] = Company(realm_id, REALM_NAMES[number % len(REALM_NAMES)], books)
        self.identity = Identity(self.clock)
        self.limits = Limits(self.clock, per_minute=per_minute, concurrent=concurrent, window=window)
        # The shared fault vocabulary, plus this simulator's own: an invoice deleted mid-paging.
        self.faults = FaultPlan(extra_kinds=("page_delete",))
        self.webhooks = Webhooks(self.clock)
        self.auto_approve = auto_approve
        self.lock = threading.RLock()
        self.version = 0
        self._cache: OrderedDict = OrderedDict()
        self.idempotent: dict[tuple[str, str], tuple[int, dict]] = {}
        self.server: QuietServer | None = None
        self.requests: list[dict] = []  # API calls (path, query, headers) for tests

    # ---- clock ------------------------------------------------------------------------------
    def clock(self) -> float:
        return self.frozen if self.frozen is not None else time.time() + self.offset

    def freeze(self, at: float | None) -> None:
        """Stop the clock at `at` (None: run again): many changes in one second, in tests."""
        self.frozen = at

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def now_stamp(self) -> str:
        return datetime.fromtimestamp(self.clock(), tz=QBO_ZONE).isoformat(timespec="milliseconds")

    # ---- companies --------------------------------------------------------------------------
    @property
    def realm_ids(self) -> list[str]:
        return list(self.companies)

    def company(self, realm_id: str | None = None) -> Company:
        return self.companies[realm_id or self.realm_ids[0]]

    def company_info(self, realm_id: str) -> dict:
        company = self.companies[realm_id]
        created = stamp(company.books.anchor - 400 * 86400)
        return {
            "Id": "1",
            "SyncToken": "2",
            "MetaData": {"CreateTime": created, "LastUpdatedTime": created},
            "CompanyName": company.name,
            "LegalName": company.name,
            "CompanyAddr": {"Line1": "100 Queen St", "City": "Brisbane", "Country": "AU", "PostalCode": "4000"},
            "Country": "AU",
            "Email": {"Address": "accounts@demo-msp.test"},
            "WebAddr": {"URI": "https://demo-msp.test"},
            "FiscalYearStartMonth": "July",
            "SupportedLanguages": "en",
            "CompanyStartDate": "2024-07-01",
            "domain": "QBO",
            "sparse": False,
        }

    # ---- changes ----------------------------------------------------------------------------
    def changed(self, realm_id: str, entity: str, entity_id: str, operation: str) -> None:
        self.version += 1
        self._cache.clear()
        self.webhooks.notify(realm_id, entity, entity_id, operation, self.now_stamp())

    def change_invoice(self, index: int, realm_id: str | None = None) -> dict:
        company = self.company(realm_id)
        with self.lock:
            invoice = company.books.change_invoice(index, self.clock())
            self.changed(company.realm_id, "Invoice", invoice["Id"], "Update")
            return invoice

    def void_invoice(self, index: int, realm_id: str | None = None) -> dict:
        company = self.company(realm_id)
        with self.lock:
            invoice = company.books.void_invoice(index, self.clock())
            self.changed(company.realm_id, "Invoice", invoice["Id"], "Void")
            return invoice

    def delete_invoice(self, index: int, realm_id: str | None = None) -> str:
        company = self.company(realm_id)
        with self.lock:
            company.books.delete_invoice(index, self.clock())
            self.changed(company.realm_id, "Invoice", str(index + 1), "Delete")
            return str(index + 1)

    def rename_customer(self, number: int, name: str, realm_id: str | None = None) -> dict:
        company = self.company(realm_id)
        with self.lock:
            customer = company.books.customers[number]
            customer.update(DisplayName=name, FullyQualifiedName=name, SyncToken=str(int(customer["SyncToken"]) + 1))
            customer["MetaData"] = {**customer["MetaData"], "LastUpdatedTime": stamp(self.clock())}
            customer["_updated"] = self.clock()
            self.changed(company.realm_id, "Customer", customer["Id"], "Update")
            return customer

    # ---- query ------------------------------------------------------------------------------
    def query(self, realm_id: str, text: str) -> dict:
        try:
            query = parse(text)
        except QueryError as error:
            raise ApiFault(400, "4000", "Error parsing query", f"QueryParserError: {error}") from None
        if query.entity not in ENTITIES:
            detail = f"QueryValidationError: Invalid context declaration : {query.entity}"
            raise ApiFault(400, "4000", "Error parsing query", detail)
        with self.lock:
            rows = self._rows(realm_id, query)
            if query.count:
                return {"QueryResponse": {"totalCount": len(rows)}, "time": self.now_stamp()}
            chosen = rows[query.start - 1 : query.start - 1 + query.max_results]
            page = [row if isinstance(row, dict) else self.company(realm_id).books.invoice(row) for row in chosen]
        body: dict = {}
        if page:
            rows = page if query.entity == "Invoice" else [strip(row) for row in page]  # invoices have no _ keys
            body = {query.entity: rows, "startPosition": query.start, "maxResults": len(page)}
        return {"QueryResponse": body, "time": self.now_stamp()}

    def _rows(self, realm_id: str, query: Query) -> list:
        """Matching rows in order: invoice indices (generated on demand) or entity dicts."""
        books = self.company(realm_id).books
        if query.entity == "Invoice" and not query.where and query.order_by in ("", "Id") and not query.descending:
            return list(books.live_indices()) if query.count else books.live_indices()
        key = (realm_id, self.version, query.entity, repr(query.where), query.order_by, query.descending)
        if key in self._cache:
            return self._cache[key]
        if query.entity == "Invoice":
            rows = [books.invoice(i) for i in books.live_indices()]
        elif query.entity == "CompanyInfo":
            rows = [self.company_info(realm_id)]
        else:
            rows = list(books.names(query.entity))
        rows = [row for row in rows if all(matches(row, condition) for condition in query.where)]
        rows.sort(key=sort_key(query.order_by or "Id"), reverse=query.descending)
        self._cache[key] = rows
        while len(self._cache) > 8:
            self._cache.popitem(last=False)
        return rows

    # ---- change data capture ---------------------------------------------------------------
    def cdc(self, realm_id: str, entities: str, changed_since: str) -> dict:
        names = [name.strip() for name in entities.split(",") if name.strip()]
        if not names or not changed_since:
            raise ApiFault(400, "2020", REQUIRED, "entities, changedSince")
        unknown = [name for name in names if name not in ENTITIES]
        if unknown:
            raise ApiFault(400, "2030", "Invalid parameter", f"Unsupported entities for CDC: {', '.join(unknown)}")
        since = parse_time(changed_since)
        if since < self.clock() - CDC_MAX_DAYS * 86400:
            raise ApiFault(400, "2030", "Invalid parameter", "changedSince must be within the last 30 days")
        responses = []
        with self.lock:
            for name in names:
                changes = self._changes(realm_id, name, since)[:CDC_MAX_OBJECTS]
                entry: dict = {"startPosition": 1, "maxResults": len(changes), "totalCount": len(changes)}
                if changes:
                    entry = {name: changes, **entry}
                responses.append(entry)
        return {"CDCResponse": [{"QueryResponse": responses}], "time": self.now_stamp()}

    def _changes(self, realm_id: str, entity: str, since: float) -> list[dict]:
        books = self.company(realm_id).books
        if entity == "Invoice":
            result = []
            for index in books.changed_invoices(since):
                if index in books.deleted:
                    result.append(deleted_stub(str(index + 1), stamp(books.deleted[index])))
                else:
                    result.append(strip(books.invoice(index)))
            return result
        if entity == "CompanyInfo":
            return []
        rows = [row for row in books.names(entity) if row.get("_updated", 0) > since]
        rows.sort(key=lambda row: row["_updated"])
        return [strip(row) for row in rows]

    # ---- reads and writes -------------------------------------------------------------------
    def read(self, realm_id: str, entity: str, entity_id: str) -> dict:
        books = self.company(realm_id).books
        with self.lock:
            if entity == "Invoice":
                index = books.index_of(entity_id)
                row = books.invoice(index) if index is not None else None
            elif entity == "CompanyInfo":
                row = self.company_info(realm_id)
            else:
                row = next((r for r in books.names(entity) if r["Id"] == entity_id), None)
        if row is None:
            raise ApiFault(400, "610", "Object Not Found", f"Object Not Found : {entity} {entity_id[:20]}")
        return {entity: strip(row), "time": self.now_stamp()}

    def write_invoice(self, realm_id: str, body: dict, operation: str, request_id: str) -> tuple[int, dict]:
        """Create / update / void / delete, once per requestid (a replay answers the same)."""
        key = (realm_id, request_id)
        with self.lock:
            if request_id and key in self.idempotent:
                return self.idempotent[key]
            try:
                result = (200, self._write_invoice(realm_id, body, operation))
            except ApiFault as fault:
                result = (fault.status, fault_body(fault, self.now_stamp()))
            if request_id:
                self.idempotent[key] = result
            return result

    def write_credit_memo(self, realm_id: str, body: dict, request_id: str) -> tuple[int, dict]:
        """Create a credit memo, once per requestid (a replay answers the same)."""
        from billingone.integrations.providers.quickbooks.simulator.writes import create_credit_memo

        key = (realm_id, f"creditmemo:{request_id}")
        with self.lock:
            if request_id and key in self.idempotent:
                return self.idempotent[key]
            try:
                result = (200, {"CreditMemo": create_credit_memo(self, realm_id, body), "time": self.now_stamp()})
            except ApiFault as fault:
                result = (fault.status, fault_body(fault, self.now_stamp()))
            if request_id:
                self.idempotent[key] = result
            return result

    def _write_invoice(self, realm_id: str, body: dict, operation: str) -> dict:
        from billingone.integrations.providers.quickbooks.simulator.writes import apply_write

        return {"Invoice": apply_write(self, realm_id, body, operation), "time": self.now_stamp()}

    # ---- running ----------------------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 0) -> QuickBooksSimulator:
        from billingone.integrations.providers.quickbooks.simulator.handler import make_handler

        self.server = QuietServer((host, port), make_handler(self))
        self.server.request_queue_size = 64
        threading.Thread(target=self.server.serve_forever, args=(0.05,), name="qbo-sim", daemon=True).start()
        return self

    @property
    def url(self) -> str:
        assert self.server is not None, "start() the simulator first"
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def discovery_url(self) -> str:
        return self.url + "/.well-known/openid_configuration"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        self.webhooks.wait()

    def __enter__(self) -> QuickBooksSimulator:
        return self.start() if self.server is None else self

    def __exit__(self, *exc) -> None:
        self.stop()


def strip(row: dict) -> dict:
    """The entity as QBO sends it (the simulator's own bookkeeping keys start with _)."""
    return {key: value for key, value in row.items() if not key.startswith("_")}


def deleted_stub(entity_id: str, when: str) -> dict:
    return {"domain": "QBO", "status": "Deleted", "Id": entity_id, "MetaData": {"LastUpdatedTime": when}}


def fault_body(fault: ApiFault, now: str) -> dict:
    error = {"Message": fault.message, "Detail": fault.detail or fault.message, "code": fault.code}
    return {"Fault": {"Error": [error], "type": fault.kind}, "time": now}
