"""HTTP routing of the Xero simulator: identity (authorize, token, revocation), /connections,
the accounting API (Contacts, Invoices), the invoice viewer and the /_sim control endpoints."""

from __future__ import annotations

import base64
import binascii
import json
from urllib.parse import parse_qsl, urlencode

from billingone.integrations.providers.xero.simulator import pages
from billingone.integrations.providers.xero.simulator.identity import OAuthError
from billingone.integrations.providers.xero.simulator.sim import QueryError, XeroSimulator
from simulators.faults import Dialect, act
from simulators.http import SimulatorHandler

API_PREFIX = "/api.xro/2.0/"
RESOURCE_SCOPES = {
    "contacts": {"accounting.contacts", "accounting.contacts.read"},
    "invoices": {
        "accounting.transactions",
        "accounting.transactions.read",
        "accounting.invoices",
        "accounting.invoices.read",
    },
    "creditnotes": {"accounting.transactions", "accounting.transactions.read", "accounting.invoices"},
}
# Creating documents needs a scope that is not read-only.
WRITE_SCOPES = {"accounting.transactions", "accounting.invoices"}


def problem(status: int, title: str, detail: str) -> dict:
    return {"Type": None, "Title": title, "Status": status, "Detail": detail, "Instance": None, "Extensions": {}}


def xero_error(status: int, message: str) -> dict:
    """Xero's bodies: a ServiceUnavailable error for 5xx, a problem document otherwise."""
    if status >= 500:
        return {"ErrorNumber": status, "Type": "ServiceUnavailable", "Message": message}
    titles = {401: "Unauthorized", 429: "Too Many Requests"}
    return problem(status, titles.get(status, "Error"), message)


def make_handler(sim: XeroSimulator):
    class Handler(XeroHandler):
        simulator = sim

    return Handler


class XeroHandler(SimulatorHandler):
    simulator: XeroSimulator
    server_version = "XeroSimulator/1"

    # ---- plumbing ---------------------------------------------------------------------------
    rate_tenant = ""  # set once an API call names a known organisation

    def send(self, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
        if self.rate_tenant:  # Xero sends the remaining budgets with every answer, whatever its status
            headers = {**self.simulator.limits.headers(self.rate_tenant), **(headers or {})}
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def send_json(self, status: int, payload, headers: dict | None = None) -> None:
        self.send(status, json.dumps(payload).encode(), "application/json; charset=utf-8", headers)

    def send_html(self, status: int, html: str) -> None:
        self.send(status, html.encode(), "text/html; charset=utf-8", {"Cache-Control": "no-store"})

    def redirect(self, location: str) -> None:
        self.send(302, b"", "text/plain", {"Location": location})

    def basic_auth(self) -> tuple[str, str] | None:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return ("", "")
        return user, password

    # ---- dispatch ---------------------------------------------------------------------------
    def do_GET(self):
        self.rate_tenant = ""  # one handler serves every request of a keep-alive connection
        route = self.route.lower()
        if route == "/identity/connect/authorize":
            return self.authorize()
        if route == "/connections":
            return self.connections()
        if route.startswith(API_PREFIX.lower()):
            return self.api()
        if route == "/accountsreceivable/view.aspx":
            return self.view_invoice()
        if route == "/accountsreceivable/viewcreditnote.aspx":
            return self.view_credit_note()
        if route == "/_sim/state":
            return self.send_json(200, self.state())
        if route == "/_sim/faults":
            return self.send_json(*self.simulator.faults.control("GET", {}))
        self.send_json(404, problem(404, "Not Found", "No such resource"))

    def do_PUT(self):
        self.rate_tenant = ""  # one handler serves every request of a keep-alive connection
        if self.route.lower().startswith(API_PREFIX.lower()):
            return self.api("PUT")
        self.send_json(404, problem(404, "Not Found", "No such resource"))

    def do_POST(self):
        self.rate_tenant = ""  # one handler serves every request of a keep-alive connection
        route = self.route.lower()
        if route.startswith(API_PREFIX.lower()):
            return self.api("POST")
        handlers = {
            "/identity/connect/authorize/consent": self.consent,
            "/connect/token": self.token,
            "/connect/revocation": self.revocation,
            "/_sim/faults": lambda: self.send_json(*self.simulator.faults.control("POST", self.form())),
            "/_sim/mutate": self.mutate,
            "/_sim/clients": self.add_client,
            "/_sim/webhooks": self.configure_webhooks,
        }
        handler = handlers.get(route)
        if handler is None:
            return self.send_json(404, problem(404, "Not Found", "No such resource"))
        handler()

    def do_DELETE(self):
        self.rate_tenant = ""  # one handler serves every request of a keep-alive connection
        route = self.route.lower()
        if route.startswith("/connections/"):
            return self.delete_connection(self.route.split("/")[-1])
        if route == "/_sim/faults":
            return self.send_json(*self.simulator.faults.control("DELETE", {}))
        self.send_json(404, problem(404, "Not Found", "No such resource"))

    # ---- identity ---------------------------------------------------------------------------
    def authorize(self) -> None:
        params = self.query
        try:
            client = self.simulator.identity.check_authorize(params)
        except OAuthError as error:
            return self.send_html(400, pages.error_page(f"{error.error}: {error.description}"))
        if self.simulator.auto_approve:
            tenants = self.simulator.auto_approve_tenants or self.simulator.tenant_ids
            return self.finish_consent(params, tenants)
        choices = list(self.simulator.tenant_names().items())
        self.send_html(200, pages.consent(client.client_id, params, choices))

    def consent(self) -> None:
        form = self.form()
        params = {key: value for key, value in form.items() if key not in ("tenant", "decision")}
        try:
            client = self.simulator.identity.check_authorize(params)
        except OAuthError as error:
            return self.send_html(400, pages.error_page(f"{error.error}: {error.description}"))
        if form.get("decision") != "allow":
            return self.redirect_back(params, {"error": "access_denied"})
        chosen = [tid for tid in self._tenant_values() if tid in self.simulator.tenants]
        if not chosen:
            choices = list(self.simulator.tenant_names().items())
            html = pages.consent(client.client_id, params, choices, "Choose at least one organisation.")
            return self.send_html(200, html)
        self.finish_consent(params, chosen)

    def _tenant_values(self) -> list[str]:
        return self._raw_form_pairs.get("tenant", [])

    _raw_form_pairs: dict[str, list[str]] = {}

    def form(self) -> dict[str, str]:
        """The request body (form or JSON); repeated form keys are kept in _raw_form_pairs."""
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        if "json" in (self.headers.get("Content-Type") or ""):
            return json.loads(raw or "{}")
        pairs = parse_qsl(raw, keep_blank_values=True)
        self._raw_form_pairs: dict[str, list[str]] = {}
        for key, value in pairs:
            self._raw_form_pairs.setdefault(key, []).append(value)
        return dict(pairs)

    def finish_consent(self, params: dict[str, str], tenant_ids: list[str]) -> None:
        code = self.simulator.identity.issue_code(params, tenant_ids)
        self.redirect_back(params, {"code": code, "scope": params["scope"], "session_state": "sim"})

    def redirect_back(self, params: dict[str, str], extra: dict[str, str]) -> None:
        values = {**extra, "state": params.get("state", "")}
        separator = "&" if "?" in params["redirect_uri"] else "?"
        self.redirect(params["redirect_uri"] + separator + urlencode(values))

    def token(self) -> None:
        try:
            body = self.simulator.identity.exchange(self.basic_auth(), self.form(), self.simulator.tenant_names())
        except OAuthError as error:
            return self.send_json(error.status, {"error": error.error})
        self.send_json(200, body, {"Cache-Control": "no-store"})

    def revocation(self) -> None:
        try:
            self.simulator.identity.revoke(self.basic_auth(), self.form())
        except OAuthError as error:
            return self.send_json(error.status, {"error": error.error})
        self.send(200, b"", "text/plain")

    def bearer_grant(self):
        header = self.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        return self.simulator.identity.grant_for_access(token) if token else None

    def connections(self) -> None:
        grant = self.bearer_grant()
        if grant is None:
            return self.send_json(401, problem(401, "Unauthorized", "TokenExpired"))
        items = list(grant.connections.values())
        if self.query.get("authEventId"):
            items = [item for item in items if item["authEventId"] == self.query["authEventId"]]
        self.send_json(200, items)

    def delete_connection(self, connection_id: str) -> None:
        grant = self.bearer_grant()
        if grant is None:
            return self.send_json(401, problem(401, "Unauthorized", "TokenExpired"))
        for tenant_id, connection in list(grant.connections.items()):
            if connection["id"] == connection_id:
                del grant.connections[tenant_id]
                return self.send(204, b"", "text/plain")
        self.send_json(404, problem(404, "Not Found", "Connection not found"))

    # ---- accounting API ---------------------------------------------------------------------
    def api(self, method: str = "GET") -> None:
        sim = self.simulator
        try:
            body = self.form() if method != "GET" else None  # read it whatever the answer (keep-alive)
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        tenant_id = self.headers.get("xero-tenant-id", "")
        if tenant_id in sim.tenants:
            self.rate_tenant = tenant_id  # every answer from here on carries its rate headers
        grant = self.bearer_grant()
        if grant is None:
            return self.send_json(401, problem(401, "Unauthorized", "AuthenticationUnsuccessful"))
        if tenant_id not in grant.connections:
            return self.send_json(403, problem(403, "Forbidden", "AuthenticationUnsuccessful"))
        parts = self.route[len(API_PREFIX) :].strip("/").split("/")
        resource = parts[0].lower()
        if resource not in RESOURCE_SCOPES or len(parts) > 2:
            return self.send_json(404, problem(404, "Not Found", "The resource was not found"))
        if not RESOURCE_SCOPES[resource] & set(grant.scopes):
            return self.send_json(403, problem(403, "Forbidden", "AuthorizationUnsuccessful: missing scope"))
        if method != "GET" and (len(parts) != 1 or resource == "contacts"):
            return self.send_json(405, problem(405, "Method Not Allowed", "Create invoices or credit notes only"))
        if method != "GET" and not WRITE_SCOPES & set(grant.scopes):
            return self.send_json(403, problem(403, "Forbidden", "AuthorizationUnsuccessful: missing scope"))
        decision = sim.limits.acquire(tenant_id)
        if not decision.allowed:
            headers = {"Retry-After": str(decision.retry_after), "X-Rate-Limit-Problem": decision.problem}
            return self.send_json(429, problem(429, "Too Many Requests", "Rate limit exceeded"), headers)
        try:
            sim.requests.append(
                {"method": method, "path": self.path, "headers": dict(self.headers.items()), "at": sim.clock()}
            )
            if method == "GET":
                self.serve_resource(resource, tenant_id, parts[1] if len(parts) == 2 else None)
            else:
                self.create(resource, tenant_id, body)
        finally:
            sim.limits.release(tenant_id)

    def serve_resource(self, resource: str, tenant_id: str, record_id: str | None) -> None:
        sim = self.simulator
        fault = sim.faults.take(self.path)
        if fault is not None and self.apply_fault(fault, tenant_id, sim.limits.headers(tenant_id)):
            return
        key = resource.capitalize()
        if resource == "creditnotes":
            notes = list(sim.tenant(tenant_id).data.credit_notes.values())
            if record_id is not None:
                notes = [note for note in notes if note["CreditNoteID"] == record_id.lower()]
                if not notes:
                    return self.send_json(404, problem(404, "Not Found", "No credit note with that id"))
            return self.send_json(200, sim.single("CreditNotes", notes[0]) if record_id else {"CreditNotes": notes})
        if record_id is not None:
            getter = sim.get_contact if resource == "contacts" else sim.get_invoice
            record = getter(tenant_id, record_id)
            if record is None:
                return self.send_json(404, problem(404, "Not Found", f"No {resource[:-1]} with id {record_id[:60]}"))
            return self.send_json(200, sim.single(key, record))
        try:
            lister = sim.list_contacts if resource == "contacts" else sim.list_invoices
            body = lister(tenant_id, self.query, self.headers.get("If-Modified-Since"))
        except QueryError as error:
            return self.send_json(400, {"ErrorNumber": 10, "Type": "ValidationException", "Message": str(error)})
        self.send_json(200, body)

    def create(self, resource: str, tenant_id: str, body) -> None:
        fault = self.simulator.faults.take(self.path)
        if fault is not None and self.apply_fault(fault, tenant_id, self.simulator.limits.headers(tenant_id)):
            return
        key = self.headers.get("Idempotency-Key", "")[:128]
        self.send_json(*self.simulator.create_document(tenant_id, resource, body, key))

    def apply_fault(self, fault, tenant_id: str, headers: dict) -> bool:
        """Answer with the fault; False when the request should then proceed normally."""
        dialect = Dialect(
            error_body=xero_error,
            expire_tokens=self.simulator.identity.expire_access_tokens,
            rate_limit_headers={"X-Rate-Limit-Problem": "minute"},
        )
        if act(self, fault, dialect, headers):
            return True
        if fault.kind == "page_change":  # the first sales invoice changes while the client pages
            data = self.simulator.tenant(tenant_id).data
            first_sale = next(i for i in range(data.total) if data.invoice(i)["Type"] == "ACCREC")
            self.simulator.change_invoice(first_sale, tenant_id)
        return False

    def view_invoice(self) -> None:
        found = self.simulator.find_invoice(self.query.get("InvoiceID", ""))
        if found is None:
            return self.send_html(404, pages.error_page("Invoice not found"))
        tenant, invoice = found
        self.send_html(200, pages.invoice_page(invoice, tenant.name))

    def view_credit_note(self) -> None:
        found = self.simulator.find_credit_note(self.query.get("creditNoteID", ""))
        if found is None:
            return self.send_html(404, pages.error_page("Credit note not found"))
        tenant, note = found
        self.send_html(200, pages.credit_note_page(note, tenant.name))

    # ---- control --------------------------------------------------------------------------
    def state(self) -> dict:
        sim = self.simulator
        return {
            "tenants": [
                {"tenantId": tenant.tenant_id, "name": tenant.name, "invoices": tenant.data.total}
                for tenant in sim.tenants.values()
            ],
            "calls": sim.limits.stats["calls"],
            "rate_limited": {k[4:]: v for k, v in sim.limits.stats.items() if k.startswith("429:")},
            "max_in_flight": sim.limits.max_in_flight,
            "max_calls_in_a_minute": sim.limits.max_per_window,
            "token_requests": sim.identity.token_requests,
        }

    def mutate(self) -> None:
        options = self.form()
        tenant_id = options.get("tenant") or None
        data = self.simulator.tenant(tenant_id).data
        changed = [
            self.simulator.change_invoice(i * 97 % data.total, tenant_id)["InvoiceNumber"]
            for i in range(int(options.get("change", 0)))
        ]
        voided = [
            self.simulator.void_invoice((i * 89 + 7) % data.total, tenant_id)["InvoiceNumber"]
            for i in range(int(options.get("void", 0)))
        ]
        added = [self.simulator.add_invoice(tenant_id)["InvoiceNumber"] for _ in range(int(options.get("new", 0)))]
        self.send_json(200, {"changed": changed, "voided": voided, "new": added})

    def add_client(self) -> None:
        options = self.form()
        uris = options.get("redirect_uris") or []
        self.simulator.identity.register_client(options["client_id"], options.get("secret"), uris)
        self.send_json(201, {"client_id": options["client_id"]})

    def configure_webhooks(self) -> None:
        """{"url", "key"}: where to deliver signed webhooks; answers whether intent-to-receive passed."""
        options = self.form()
        if not options.get("url") or not options.get("key"):
            return self.send_json(400, {"error": "url and key are required"})
        self.simulator.webhooks.configure(options["url"], options["key"])
        self.send_json(200, {"intent_to_receive": self.simulator.webhooks.intent_to_receive()})
