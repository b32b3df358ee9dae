"""HTTP routing of the Stripe simulator: the /v1 API (payment links, line items, checkout
sessions, events), the hosted payment page a link's URL opens, and /_sim control endpoints."""

from __future__ import annotations

import html
import json
import re
import secrets
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlsplit

from billingone.integrations.providers.stripe.simulator.keys import AuthError, Keys
from billingone.integrations.providers.stripe.simulator.sim import (
    DEFAULT_VERSION,
    VERSION_FORMAT,
    ApiError,
    StripeSimulator,
    check_parameters,
)
from simulators.faults import Dialect, act

LINK = r"(plink_[A-Za-z0-9]+)"
ROUTES = (  # (method, pattern, endpoint name, handler name)
    ("GET", re.compile(r"^/v1/payment_links$"), "payment_links", "list_links"),
    ("GET", re.compile(rf"^/v1/payment_links/{LINK}$"), "payment_link", "retrieve_link"),
    ("GET", re.compile(rf"^/v1/payment_links/{LINK}/line_items$"), "payment_link_line_items", "list_line_items"),
    ("GET", re.compile(r"^/v1/checkout/sessions$"), "checkout_sessions", "list_sessions"),
    ("GET", re.compile(r"^/v1/events$"), "events", "list_events"),
    ("POST", re.compile(r"^/v1/payment_links$"), "create_payment_link", "create_link"),
    ("POST", re.compile(rf"^/v1/payment_links/{LINK}$"), "update_payment_link", "update_link"),
)
ANY_LINK = re.compile(r"^/v1/payment_links/([^/]+)(/line_items)?$")


def stripe_error(status: int, message: str, request_id: str) -> dict:
    """A shared fault in Stripe's words: an expired key (401), rate_limit (429), api_error (5xx)."""
    if status == 401:
        return ApiError(401, "Expired API Key provided: the key was rolled.", code="api_key_expired").body(request_id)
    if status == 429:
        return ApiError(429, "Request rate limit exceeded.", code="rate_limit").body(request_id)
    return ApiError(status, "An unknown error occurred").body(request_id)


def make_handler(sim: StripeSimulator):
    class Handler(StripeHandler):
        simulator = sim

    return Handler


class StripeHandler(BaseHTTPRequestHandler):
    simulator: StripeSimulator
    protocol_version = "HTTP/1.1"
    server_version = "StripeSimulator/1"

    def log_message(self, format, *args):  # quiet: tests and the dev runner read their own logs
        pass

    # ---- plumbing ---------------------------------------------------------------------------
    @property
    def route(self) -> str:
        return urlsplit(self.path).path

    def query_pairs(self) -> list[tuple[str, str]]:
        return parse_qsl(urlsplit(self.path).query, keep_blank_values=True)

    def body_pairs(self) -> list[tuple[str, str]]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        return parse_qsl(raw, keep_blank_values=True)

    def send(self, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def send_json(self, status: int, payload, headers: dict | None = None) -> None:
        self.send(status, json.dumps(payload, indent=2).encode(), "application/json", headers)

    def send_html(self, status: int, page: str) -> None:
        self.send(status, page.encode(), "text/html; charset=utf-8", {"Cache-Control": "no-store"})

    def control_body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}") if length else {}

    # ---- dispatch ---------------------------------------------------------------------------
    def do_GET(self):
        if self.route.startswith("/v1/"):
            return self.api("GET")
        if self.route.startswith("/pay/"):
            return self.pay_page()
        if self.route == "/_sim/state":
            return self.send_json(200, self.state())
        if self.route == "/_sim/faults":
            return self.send_json(*self.simulator.faults.control("GET", {}))
        self.send_json(404, {"error": {"type": "invalid_request_error", "message": "Not found"}})

    def do_POST(self):
        if self.route.startswith("/v1/"):
            return self.api("POST")
        if self.route.startswith("/pay/"):
            return self.pay()
        controls = {
            "/_sim/faults": self.add_fault,
            "/_sim/webhooks": self.add_webhook,
            "/_sim/webhooks/roll": self.roll_webhook_secret,
            "/_sim/checkout": self.sim_checkout,
            "/_sim/links": self.sim_create_link,
            "/_sim/keys": self.add_key,
        }
        control = controls.get(self.route)
        if control is None:
            return self.send_json(404, {"error": {"type": "invalid_request_error", "message": "Not found"}})
        try:
            control()
        except (KeyError, TypeError, ValueError) as error:
            self.send_json(400, {"error": {"type": "invalid_request_error", "message": str(error)}})
        except ApiError as error:
            self.send_json(error.status, error.body("req_sim"))

    def do_DELETE(self):
        if self.route == "/_sim/faults":
            return self.send_json(*self.simulator.faults.control("DELETE", {}))
        if self.route.startswith("/v1/"):
            return self.api("DELETE")
        self.send_json(404, {"error": {"type": "invalid_request_error", "message": "Not found"}})

    # ---- the API ----------------------------------------------------------------------------
    def api(self, method: str) -> None:
        request_id = "req_" + secrets.token_urlsafe(10).replace("-", "a").replace("_", "b")
        version = self.headers.get("Stripe-Version") or DEFAULT_VERSION
        headers = {"Request-Id": request_id, "Stripe-Version": version}
        try:
            if not VERSION_FORMAT.match(version):
                raise ApiError(400, f"Invalid Stripe API version: {version[:40]}")
            key = self.simulator.keys.authenticate(self.headers.get("Authorization", ""))
            method_route = self.match(method)
            if method_route is None:
                raise ApiError(
                    404,
                    f"Unrecognized request URL ({method}: {self.route}). Please see "
                    "https://stripe.com/docs or we can help at https://support.stripe.com/.",
                )
            endpoint, handler_name, match = method_route
            Keys.check_permission(key, method, self.route.split("/")[2])
            if not self.simulator.limits.acquire(key.livemode, endpoint):
                raise ApiError(
                    429,
                    "Request rate limit exceeded. You can learn more about rate limits here "
                    "https://stripe.com/docs/rate-limits.",
                    code="rate_limit",
                )
            self.simulator.requests.append(
                {
                    "method": method,
                    "path": self.path,
                    "version": version,
                    "livemode": key.livemode,
                    "at": self.simulator.clock(),
                }
            )
            if self.apply_fault(headers, key.value):
                return
            payload = getattr(self, handler_name)(key.livemode, *match.groups())
        except AuthError as error:
            body = ApiError(error.status, error.message, code=error.code).body(request_id)
            return self.send_json(error.status, body, headers)
        except ApiError as error:
            return self.send_json(error.status, error.body(request_id), headers)
        self.send_json(200, payload, headers)

    def match(self, method: str):
        for route_method, pattern, endpoint, handler_name in ROUTES:
            found = pattern.match(self.route)
            if found and route_method == method:
                return endpoint, handler_name, found
        unknown = ANY_LINK.match(self.route)
        if unknown and method == "GET":  # a malformed id: Stripe says the link does not exist
            raise ApiError(
                404, f"No such payment_link: '{unknown.group(1)}'", param="payment_link", code="resource_missing"
            )
        return None

    def apply_fault(self, headers: dict, key_value: str) -> bool:
        """Act out an injected fault; False when the request should then proceed normally."""
        fault = self.simulator.faults.take(self.path)
        if fault is None:
            return False
        request_id = headers["Request-Id"]
        dialect = Dialect(
            error_body=lambda status, message: stripe_error(status, message, request_id),
            expire_tokens=lambda: self.simulator.keys.expire(key_value),
        )
        if act(self, fault, dialect, headers):
            return True
        if fault.kind == "page_change":  # the newest link changes while the client pages
            newest = self.simulator.data(False).links[-1]
            self.simulator.update_link(False, newest["id"], {"metadata": {"changed": str(time.time())}})
        return False

    def split_query(self, endpoint: str) -> tuple[dict[str, str], list[str], list[str]]:
        pairs = self.query_pairs()
        check_parameters(endpoint, pairs)
        expand = [value for name, value in pairs if name in ("expand[]", "expand")]
        types = [value for name, value in pairs if name in ("types[]", "types")]
        return dict(pairs), expand, types

    def list_links(self, livemode: bool) -> dict:
        query, expand, _ = self.split_query("payment_links")
        return self.simulator.list_payment_links(livemode, query, expand)

    def retrieve_link(self, livemode: bool, link_id: str) -> dict:
        pairs = self.query_pairs()
        for name, _ in pairs:
            if not name.startswith("expand"):
                raise ApiError(400, f"Received unknown parameter: {name.split('[')[0]}", param=name.split("[")[0])
        expand = [value for name, value in pairs if name.startswith("expand")]
        return self.simulator.payment_link(livemode, link_id, expand)

    def list_line_items(self, livemode: bool, link_id: str) -> dict:
        query, _, _ = self.split_query("payment_link_line_items")
        return self.simulator.line_items(livemode, link_id, query)

    def list_sessions(self, livemode: bool) -> dict:
        query, _, _ = self.split_query("checkout_sessions")
        return self.simulator.checkout_sessions(livemode, query)

    def list_events(self, livemode: bool) -> dict:
        query, _, types = self.split_query("events")
        return self.simulator.events(livemode, query, types)

    def create_link(self, livemode: bool) -> dict:
        form = dict(self.body_pairs())
        lines, index = [], 0
        while f"line_items[{index}][price]" in form:
            try:
                quantity = int(form.get(f"line_items[{index}][quantity]", "1"))
            except ValueError:
                raise ApiError(400, "Invalid integer", param=f"line_items[{index}][quantity]") from None
            lines.append((form[f"line_items[{index}][price]"], quantity))
            index += 1
        if not lines:
            raise ApiError(400, "Missing required param: line_items.", param="line_items")
        link = self.simulator.create_link(livemode, price_ids=lines)
        metadata = {name[9:-1]: value for name, value in form.items() if name.startswith("metadata[")}
        return self.simulator.update_link(livemode, link["id"], {"metadata": metadata}) if metadata else link

    def update_link(self, livemode: bool, link_id: str) -> dict:
        changes: dict = {}
        for name, value in self.body_pairs():
            if name == "active":
                if value not in ("true", "false"):
                    raise ApiError(400, f"Invalid boolean: {value[:40]}", param="active")
                changes["active"] = value == "true"
            elif name.startswith("metadata["):
                changes.setdefault("metadata", {})[name[9:-1]] = value
            else:
                raise ApiError(400, f"Received unknown parameter: {name.split('[')[0]}", param=name.split("[")[0])
        return self.simulator.update_link(livemode, link_id, changes)

    # ---- the hosted payment page (a link's URL) --------------------------------------------
    def pay_page(self, note: str = "") -> None:
        found = self.simulator.find_by_code(self.route.rsplit("/", 1)[-1])
        if found is None:
            return self.send_html(404, "<h1>This link is not valid.</h1>")
        livemode, link = found
        items = self.simulator.data(livemode).line_items[link["id"]]
        rows = "".join(
            f"<li>{html.escape(item['description'])} × {item['quantity']}: "
            f"{item['amount_total'] / 100:,.2f} {item['currency'].upper()}</li>"
            for item in items
        )
        total = sum(item["amount_total"] for item in items) / 100
        action = (
            f'<form method="post"><button type="submit">Pay {total:,.2f} {link["currency"].upper()}</button></form>'
            if link["active"]
            else f"<p>{html.escape(link['inactive_message'] or 'This link is no longer active.')}</p>"
        )
        self.send_html(
            200,
            f"<!doctype html><title>Pay {html.escape(link['metadata'].get('client', ''))}</title>"
            f"<h1>{html.escape(link['metadata'].get('client', ''))}</h1>"
            f"<p>{html.escape(link['metadata'].get('invoice', ''))}</p><ul>{rows}</ul>{note}{action}"
            f"<p><small>Stripe simulator ({'live' if livemode else 'test'} mode)</small></p>",
        )

    def pay(self) -> None:
        found = self.simulator.find_by_code(self.route.rsplit("/", 1)[-1])
        if found is None or not found[1]["active"]:
            return self.pay_page()
        self.simulator.complete_checkout(found[0], found[1]["id"])
        self.pay_page("<p><strong>Thank you: payment received.</strong></p>")

    # ---- control ----------------------------------------------------------------------------
    def state(self) -> dict:
        sim = self.simulator
        return {
            "links": {mode: len(sim.data(livemode).links) for mode, livemode in (("test", False), ("live", True))},
            "calls": sim.limits.stats["calls"],
            "rate_limited": sim.limits.stats["rate_limited"],
            "busiest_second": sim.limits.busiest_second,
            "webhook_endpoints": [endpoint.url for endpoint in sim.webhooks.endpoints],
            "deliveries": [vars(delivery) for delivery in sim.webhooks.deliveries[-50:]],
        }

    def add_fault(self) -> None:
        self.send_json(*self.simulator.faults.control("POST", self.control_body()))

    def add_webhook(self) -> None:
        options = self.control_body()
        endpoint = self.simulator.webhooks.add_endpoint(
            options["url"], options.get("secret", ""), options.get("enabled_events", ["*"])
        )
        self.send_json(201, {"url": endpoint.url, "secret": endpoint.secret})

    def roll_webhook_secret(self) -> None:
        options = self.control_body()
        endpoint = self.simulator.webhooks.endpoints[int(options.get("index", 0))]
        keep_old_for = float(options.get("keep_old_for", 86400))
        secret = self.simulator.webhooks.roll_secret(endpoint, options.get("secret", ""), keep_old_for)
        self.send_json(200, {"url": endpoint.url, "secret": secret})

    def sim_checkout(self) -> None:
        options = self.control_body()
        session = self.simulator.complete_checkout(options.get("mode") == "live", options["payment_link"])
        self.send_json(201, session)

    def sim_create_link(self) -> None:
        options = self.control_body()
        link = self.simulator.create_link(options.get("mode") == "live", int(options.get("client", 0)))
        self.send_json(201, link)

    def add_key(self) -> None:
        options = self.control_body()
        permissions = options.get("permissions")
        key = self.simulator.keys.add(options["key"], None if permissions is None else set(permissions))
        self.send_json(201, {"key": key.value, "restricted": key.restricted, "livemode": key.livemode})
