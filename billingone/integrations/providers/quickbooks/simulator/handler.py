"""HTTP routing of the QuickBooks simulator: discovery, consent, token and revoke endpoints,
the accounting API under /v3/company/{realmId}/ (query, cdc, reads, invoice writes), the
invoice page and the /_sim/ control endpoints (faults, changes, webhooks, state)."""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from urllib.parse import parse_qsl, unquote_plus, urlencode

from billingone.integrations.providers.quickbooks.simulator import control, discovery, pages
from billingone.integrations.providers.quickbooks.simulator.identity import ACCOUNTING_SCOPE, OAuthError
from billingone.integrations.providers.quickbooks.simulator.sim import (
    REQUIRED,
    ApiFault,
    QuickBooksSimulator,
    fault_body,
)
from simulators.http import SimulatorHandler

API_PATH = re.compile(r"^/v3/company/(?P<realm>[^/]+)/(?P<rest>.+)$")
READABLE = {"customer": "Customer", "item": "Item", "invoice": "Invoice", "companyinfo": "CompanyInfo"}


def unauthorized_body(now: str) -> dict:
    """QBO's 401 is not a Fault envelope (PROVIDERS.md §3.7)."""
    error = {
        "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
        "detail": "Token expired or invalid",
        "code": "3200",
        "element": None,
    }
    return {"warnings": None, "intuitObject": None, "fault": {"error": [error], "type": "AUTHENTICATION"}, "time": now}


def make_handler(sim: QuickBooksSimulator):
    class Handler(QuickBooksHandler):
        simulator = sim

    return Handler


class QuickBooksHandler(SimulatorHandler):
    simulator: QuickBooksSimulator
    realm_id = ""
    server_version = "QuickBooksSimulator/1"

    # ---- plumbing ---------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{self.headers.get('Host') or f'{host}:{port}'}"

    def send(self, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("intuit_tid", f"sim-{time.monotonic_ns():x}")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def send_json(self, status: int, payload, headers: dict | None = None) -> None:
        self.send(status, json.dumps(payload).encode(), "application/json;charset=UTF-8", headers)

    def send_html(self, status: int, html: str) -> None:
        self.send(status, html.encode(), "text/html; charset=utf-8", {"Cache-Control": "no-store"})

    def redirect(self, location: str) -> None:
        self.send(302, b"", "text/plain", {"Location": location})

    def raw_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def form(self) -> dict:
        raw = self.raw_body().decode("utf-8", "replace")
        if "json" in (self.headers.get("Content-Type") or ""):
            try:
                return json.loads(raw or "{}")
            except json.JSONDecodeError:
                return {}
        return dict(parse_qsl(raw, keep_blank_values=True))

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
        route = self.route
        if route in ("/.well-known/openid_configuration", "/.well-known/openid_sandbox_configuration"):
            return self.send_json(200, discovery.document(self.base_url))
        if route == "/connect/oauth2":
            return self.authorize()
        if route == "/op/v1/jwks":
            return self.send_json(200, {"keys": []})
        if route == "/app/invoice":
            return self.view_invoice()
        if route == "/app/creditmemo":
            return self.view_credit_memo()
        if route.startswith("/_sim/"):
            return control.get(self)
        if API_PATH.match(route):
            return self.api("GET")
        self.send_json(404, {"error": "not_found"})

    def do_POST(self):
        route = self.route
        if route == "/connect/oauth2/consent":
            return self.consent()
        if route == "/oauth2/v1/tokens/bearer":
            return self.token()
        if route == "/v2/oauth2/tokens/revoke":
            return self.revoke()
        if route.startswith("/_sim/"):
            return control.post(self)
        if API_PATH.match(route):
            return self.api("POST")
        self.send_json(404, {"error": "not_found"})

    def do_DELETE(self):
        if self.route == "/_sim/faults":
            return self.send_json(*self.simulator.faults.control("DELETE", {}))
        self.send_json(404, {"error": "not_found"})

    # ---- OAuth ------------------------------------------------------------------------------
    def authorize(self) -> None:
        params = self.query
        try:
            app = self.simulator.identity.check_authorize(params)
        except OAuthError as error:
            return self.send_html(400, pages.error_page(f"{error.error}: {error.description}"))
        if self.simulator.auto_approve:
            return self.finish_consent(params, self.simulator.realm_ids[0])
        choices = [(realm, company.name) for realm, company in self.simulator.companies.items()]
        self.send_html(200, pages.consent(app.client_id, params, choices))

    def consent(self) -> None:
        form = self.form()
        params = {key: value for key, value in form.items() if key not in ("realm", "decision")}
        try:
            self.simulator.identity.check_authorize(params)
        except OAuthError as error:
            return self.send_html(400, pages.error_page(f"{error.error}: {error.description}"))
        if form.get("decision") != "allow":
            return self.redirect_back(params, {"error": "access_denied"})
        if form.get("realm") not in self.simulator.companies:
            return self.send_html(400, pages.error_page("Choose a company to connect."))
        self.finish_consent(params, form["realm"])

    def finish_consent(self, params: dict[str, str], realm_id: str) -> None:
        code = self.simulator.identity.issue_code(params, realm_id)
        self.redirect_back(params, {"code": code, "realmId": realm_id})

    def redirect_back(self, params: dict[str, str], extra: dict[str, str]) -> None:
        values = {**extra, "state": params.get("state", "")}
        separator = "&" if "?" in params["redirect_uri"] else "?"
        self.redirect(params["redirect_uri"] + separator + urlencode(values))

    def token(self) -> None:
        try:
            body = self.simulator.identity.exchange(self.basic_auth(), self.form())
        except OAuthError as error:
            return self.send_json(error.status, {"error": error.error})
        self.send_json(200, body, {"Cache-Control": "no-store"})

    def revoke(self) -> None:
        form = self.form()
        try:
            self.simulator.identity.revoke(self.basic_auth(), str(form.get("token", "")))
        except OAuthError as error:
            return self.send_json(error.status, {"error": error.error})
        self.send(200, b"", "text/plain")

    # ---- accounting API ---------------------------------------------------------------------
    def api(self, method: str) -> None:
        sim = self.simulator
        match = API_PATH.match(self.route)
        realm_id, rest = match["realm"], match["rest"]
        header = self.headers.get("Authorization", "")
        grant = sim.identity.grant_for_access(header[7:]) if header.startswith("Bearer ") else None
        if grant is None:
            self.raw_body()
            return self.send_json(401, unauthorized_body(sim.now_stamp()))
        if grant.realm_id != realm_id or ACCOUNTING_SCOPE not in grant.scopes or realm_id not in sim.companies:
            self.raw_body()
            fault = ApiFault(403, "003100", "ApplicationAuthorizationFailed", "Not authorized", "AuthorizationFault")
            return self.send_json(403, fault_body(fault, sim.now_stamp()))
        decision = sim.limits.acquire(realm_id)
        if not decision.allowed:
            self.raw_body()
            return self.throttled(decision.retry_after)
        self.realm_id = realm_id
        try:
            sim.requests.append({"method": method, "path": rest, "query": self.query, "at": sim.clock()})
            self.serve_api(method, realm_id, rest)
        finally:
            sim.limits.release(realm_id)

    def throttled(self, retry_after: int) -> None:
        fault = ApiFault(
            429,
            "003001",
            "message=ThrottleExceeded; errorCode=003001; statusCode=429",
            "The request limit was reached.",
            "SERVICE",
        )
        self.send_json(429, fault_body(fault, self.simulator.now_stamp()), {"Retry-After": str(retry_after)})

    def serve_api(self, method: str, realm_id: str, rest: str) -> None:
        body = self.raw_body() if method == "POST" else b""
        fault = self.simulator.faults.take(unquote_plus(self.path))
        if fault is not None and control.apply_fault(self, fault):
            return
        try:
            status, payload = self.answer(method, realm_id, rest, body)
        except ApiFault as error:
            status, payload = error.status, fault_body(error, self.simulator.now_stamp())
        self.send_json(status, payload)

    def answer(self, method: str, realm_id: str, rest: str, body: bytes) -> tuple[int, dict]:
        sim, query = self.simulator, self.query
        parts = rest.strip("/").split("/")
        resource = parts[0].lower()
        if resource == "query":
            text = query.get("query", "") if method == "GET" else body.decode("utf-8", "replace")
            return 200, sim.query(realm_id, text)
        if resource == "cdc" and method == "GET":
            return 200, sim.cdc(realm_id, query.get("entities", ""), query.get("changedSince", ""))
        if resource == "invoice" and method == "POST" and len(parts) == 1:
            try:
                payload = json.loads(body or b"{}")
            except json.JSONDecodeError:
                raise ApiFault(400, "2020", REQUIRED, "The body is not valid JSON") from None
            return sim.write_invoice(realm_id, payload, query.get("operation", ""), query.get("requestid", ""))
        if resource == "creditmemo" and method == "POST" and len(parts) == 1:
            try:
                payload = json.loads(body or b"{}")
            except json.JSONDecodeError:
                raise ApiFault(400, "2020", REQUIRED, "The body is not valid JSON") from None
            return sim.write_credit_memo(realm_id, payload, query.get("requestid", ""))
        if resource in READABLE and method == "GET" and len(parts) == 2:
            return 200, sim.read(realm_id, READABLE[resource], parts[1])
        raise ApiFault(400, "4000", "Unsupported Operation", f"Operation {method} {resource} is not supported")

    def view_credit_memo(self) -> None:
        realm_id = self.query.get("realm") or self.simulator.realm_ids[0]
        company = self.simulator.companies.get(realm_id)
        memo = company.books.credit_memos.get(self.query.get("txnId", "")) if company else None
        if memo is None:
            return self.send_html(404, pages.error_page("Credit memo not found"))
        memo = {**memo, "Balance": memo["RemainingCredit"]}
        self.send_html(200, pages.invoice_page(memo, company.name, "Credit memo"))

    def view_invoice(self) -> None:
        realm_id = self.query.get("realm") or self.simulator.realm_ids[0]
        company = self.simulator.companies.get(realm_id)
        index = company.books.index_of(self.query.get("txnId", "")) if company else None
        if index is None:
            return self.send_html(404, pages.error_page("Invoice not found"))
        self.send_html(200, pages.invoice_page(company.books.invoice(index), company.name))
