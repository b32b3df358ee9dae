"""StripeSimulator: the state behind the server (test and live data, keys, limits, faults,
webhooks) and the API's list logic (cursor pagination, filters, expand, events)."""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from datetime import datetime
from http.server import ThreadingHTTPServer
from pathlib import Path

from billingone.integrations.providers.stripe.simulator.data import (
    RETENTION,
    Generator,
    ModeData,
    start_of_today,
    stripe_id,
)
from billingone.integrations.providers.stripe.simulator.keys import Keys
from billingone.integrations.providers.stripe.simulator.limits import RateLimits
from billingone.integrations.providers.stripe.simulator.webhooks import Webhooks
from simulators.dataset import clients
from simulators.faults import FaultPlan

SCHEMAS = json.loads((Path(__file__).parent.parent / "contract" / "schemas.json").read_text())
LIST_PARAMETERS = {name: set(params) for name, params in SCHEMAS["list_parameters"].items()}
DEFAULT_VERSION = "2023-08-16"  # the account's default API version
VERSION_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$")
EXPANDED_LINE_ITEMS = 10  # an expanded line_items list holds the first page, like a list call


class ApiError(Exception):
    """A request Stripe answers with its error envelope."""

    def __init__(self, status: int, message: str, *, param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.param, self.code = status, message, param, code

    def body(self, request_id: str) -> dict:
        error = {"type": "invalid_request_error" if self.status < 500 else "api_error", "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        error["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}"
        return {"error": error}


def missing(object_name: str, object_id: str, param: str) -> ApiError:
    return ApiError(404, f"No such {object_name}: '{object_id}'", param=param, code="resource_missing")


def base_name(param: str) -> str:
    return param.split("[", 1)[0]


def check_parameters(endpoint: str, query: list[tuple[str, str]]) -> None:
    for name, _ in query:
        if base_name(name) not in LIST_PARAMETERS[endpoint]:
            raise ApiError(400, f"Received unknown parameter: {base_name(name)}", param=base_name(name))


def parse_limit(query: dict[str, str]) -> int:
    raw = query.get("limit", "10")
    try:
        limit = int(raw)
    except ValueError:
        raise ApiError(400, f"Invalid integer: {raw[:40]}", param="limit") from None
    if not 1 <= limit <= 100:
        raise ApiError(400, "This value must be greater than or equal to 1 and at most 100.", param="limit")
    return limit


def paginate(items: list[dict], query: dict[str, str], url: str, object_name: str) -> dict:
    """Stripe's cursor pagination over `items` in list order (newest first)."""
    limit = parse_limit(query)
    after, before = query.get("starting_after"), query.get("ending_before")
    if after and before:
        raise ApiError(400, "You may only specify one of these parameters: ending_before, starting_after.")
    ids = [item["id"] for item in items]
    if after or before:
        cursor = after or before
        if cursor not in ids:
            param = "starting_after" if after else "ending_before"
            raise ApiError(400, f"No such {object_name}: '{cursor}'", param=param, code="resource_missing")
        index = ids.index(cursor)
        if after:
            chosen, has_more = items[index + 1 : index + 1 + limit], index + 1 + limit < len(items)
        else:
            start = max(0, index - limit)
            chosen, has_more = items[start:index], start > 0
    else:
        chosen, has_more = items[:limit], limit < len(items)
    return {"object": "list", "data": chosen, "has_more": has_more, "url": url}


def parse_bool(query: dict[str, str], name: str) -> bool | None:
    if name not in query:
        return None
    if query[name] not in ("true", "false"):
        raise ApiError(400, f"Invalid boolean: {query[name][:40]}", param=name)
    return query[name] == "true"


class StripeSimulator:
    def __init__(
        self,
        *,
        seed: int = 1,
        companies: int = 24,
        links: int | None = None,
        anchor: datetime | None = None,
        pay_base: str = "",
        **limit_options,
    ):
        self.offset = 0.0
        self.seed, self.companies = seed, companies
        self.anchor = anchor or start_of_today()
        self.pay_base = pay_base  # where links point; "" → this server's /pay (set on start)
        self.links_option = links
        self.keys = Keys()
        self.limits = RateLimits(self.clock, **limit_options)
        self.faults = FaultPlan(extra_kinds=("page_change",))  # "page_change": a link changes while a client pages
        self.webhooks = Webhooks(self.clock)
        self.lock = threading.RLock()
        self.server: ThreadingHTTPServer | None = None
        self.requests: list[dict] = []  # method, path, Stripe-Version, mode of every API call (tests)
        self.modes: dict[bool, ModeData] = {}

    def generate(self) -> None:
        pay_base = self.pay_base or f"{self.url}/pay"
        self.generators = {
            livemode: Generator(seed=self.seed, livemode=livemode, anchor=self.anchor, pay_base=pay_base)
            for livemode in (False, True)
        }
        self.modes = {
            livemode: generator.generate(self.companies, self.links_option)
            for livemode, generator in self.generators.items()
        }

    # ---- clock ------------------------------------------------------------------------------
    def clock(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def data(self, livemode: bool) -> ModeData:
        return self.modes[livemode]

    # ---- reading ----------------------------------------------------------------------------
    def list_payment_links(self, livemode: bool, query: dict[str, str], expand: list[str]) -> dict:
        active = parse_bool(query, "active")
        with self.lock:
            links = [link for link in reversed(self.data(livemode).links) if active is None or link["active"] == active]
            page = paginate(links, query, "/v1/payment_links", "payment_link")
            page["data"] = [self.render_link(livemode, link, "data.line_items" in expand) for link in page["data"]]
        return page

    def payment_link(self, livemode: bool, link_id: str, expand: list[str]) -> dict:
        with self.lock:
            link = self.data(livemode).link(link_id)
            if link is None:
                raise missing("payment_link", link_id, "payment_link")
            return self.render_link(livemode, link, "line_items" in expand)

    def render_link(self, livemode: bool, link: dict, with_line_items: bool) -> dict:
        rendered = copy.deepcopy(link)
        if with_line_items:
            items = self.data(livemode).line_items[link["id"]]
            rendered["line_items"] = {
                "object": "list",
                "data": copy.deepcopy(items[:EXPANDED_LINE_ITEMS]),
                "has_more": len(items) > EXPANDED_LINE_ITEMS,
                "url": f"/v1/payment_links/{link['id']}/line_items",
            }
        return rendered

    def line_items(self, livemode: bool, link_id: str, query: dict[str, str]) -> dict:
        with self.lock:
            items = self.data(livemode).line_items.get(link_id)
            if items is None:
                raise missing("payment_link", link_id, "payment_link")
            return copy.deepcopy(paginate(items, query, f"/v1/payment_links/{link_id}/line_items", "item"))

    def checkout_sessions(self, livemode: bool, query: dict[str, str]) -> dict:
        link_id = query.get("payment_link")
        with self.lock:
            sessions = [
                session
                for session in reversed(self.data(livemode).sessions)
                if not link_id or session["payment_link"] == link_id
            ]
            return copy.deepcopy(paginate(sessions, query, "/v1/checkout/sessions", "checkout.session"))

    def events(self, livemode: bool, query: dict[str, str], types: list[str]) -> dict:
        kinds = types or ([query["type"]] if query.get("type") else [])
        cutoff = self.clock() - RETENTION.total_seconds()
        bounds = self._created_bounds(query)
        with self.lock:
            events = [
                event
                for event in reversed(self.data(livemode).events)
                if event["created"] >= cutoff
                and (not kinds or any(self._type_matches(event["type"], kind) for kind in kinds))
                and all(test(event["created"]) for test in bounds)
            ]
            return copy.deepcopy(paginate(events, query, "/v1/events", "event"))

    @staticmethod
    def _type_matches(kind: str, pattern: str) -> bool:
        return kind == pattern or (pattern.endswith(".*") and kind.startswith(pattern[:-1]))

    @staticmethod
    def _created_bounds(query: dict[str, str]) -> list:
        tests = []
        operators = {
            "gt": lambda v: lambda c: c > v,
            "gte": lambda v: lambda c: c >= v,
            "lt": lambda v: lambda c: c < v,
            "lte": lambda v: lambda c: c <= v,
        }
        for name, value in query.items():
            if not name.startswith("created"):
                continue
            operator = name[len("created[") : -1] if name != "created" else ""
            try:
                number = int(value)
            except ValueError:
                raise ApiError(400, f"Invalid integer: {value[:40]}", param=name) from None
            if operator and operator not in operators:
                raise ApiError(400, f"Received unknown parameter: {name}", param=name)
            tests.append(operators[operator](number) if operator else (lambda c, v=number: c == v))
        return tests

    # ---- changes (and their events) -------------------------------------------------------
    def emit(self, livemode: bool, kind: str, obj: dict, previous: dict | None = None) -> dict:
        data = self.data(livemode)
        data.counter += 1
        event_id = stripe_id("evt_", self.seed, livemode, "runtime", data.counter)
        event = self.generators[livemode].event(kind, obj, int(self.clock()), previous, event_id)
        data.events.append(event)
        self.webhooks.send(event)
        return event

    def create_link(self, livemode: bool, client_index: int = 0, *, price_ids: list[tuple[str, int]] = ()) -> dict:
        """A new payment link for a dataset client (line items: existing prices, or generated)."""
        with self.lock:
            data = self.data(livemode)
            generator = self.generators[livemode]
            world = clients(self.seed, self.companies)
            number = len(data.links) + 1000 * (data.counter + 1)
            link, items = generator.payment_link(number, world[client_index % len(world)], active=True)
            if price_ids:
                items = [self._item_for_price(livemode, link["id"], i, p, q) for i, (p, q) in enumerate(price_ids)]
                link["currency"] = items[0]["currency"]
            data.links.append(link)
            data.line_items[link["id"]] = items
            self.emit(livemode, "payment_link.created", link)
            return copy.deepcopy(link)

    def _item_for_price(self, livemode: bool, link_id: str, index: int, price_id: str, quantity: int) -> dict:
        for items in self.data(livemode).line_items.values():
            for item in items:
                if item["price"]["id"] == price_id:
                    new = copy.deepcopy(item)
                    amount = item["price"]["unit_amount"] * quantity
                    new.update(
                        id=stripe_id("li_", link_id, index),
                        quantity=quantity,
                        amount_subtotal=amount,
                        amount_total=amount,
                    )
                    return new
        raise missing("price", price_id, f"line_items[{index}][price]")

    def update_link(self, livemode: bool, link_id: str, changes: dict) -> dict:
        with self.lock:
            link = self.data(livemode).link(link_id)
            if link is None:
                raise missing("payment_link", link_id, "payment_link")
            previous = {key: copy.deepcopy(link.get(key)) for key in changes if link.get(key) != changes[key]}
            if "metadata" in changes:
                changes = {**changes, "metadata": {**link["metadata"], **changes["metadata"]}}
            link.update(changes)
            if previous:
                self.emit(livemode, "payment_link.updated", link, previous)
            return copy.deepcopy(link)

    def complete_checkout(self, livemode: bool, link_id: str) -> dict:
        """Someone paid through the link: a completed checkout session and its event."""
        with self.lock:
            data = self.data(livemode)
            link = data.link(link_id)
            if link is None:
                raise missing("payment_link", link_id, "payment_link")
            if not link["active"]:
                raise ApiError(400, "This payment link is no longer active.", param="payment_link")
            client = next(c for c in clients(self.seed, self.companies) if c.name == link["metadata"].get("client"))
            data.counter += 1
            session_id = stripe_id(f"cs_{'live' if livemode else 'test'}_", link_id, "paid", data.counter, length=58)
            session = self.generators[livemode].session(
                session_id, link, data.line_items[link_id], client, int(self.clock()), True
            )
            data.sessions.append(session)
            self.emit(livemode, "checkout.session.completed", session)
            restrictions = link.get("restrictions")
            if restrictions:
                restrictions["completed_sessions"]["count"] += 1
                if restrictions["completed_sessions"]["count"] >= restrictions["completed_sessions"]["limit"]:
                    self.update_link(livemode, link_id, {"active": False})
            return copy.deepcopy(session)

    def find_by_code(self, code: str) -> tuple[bool, dict] | None:
        for livemode, data in self.modes.items():
            for link in data.links:
                if link["url"].rsplit("/", 1)[-1] == code:
                    return livemode, link
        return None

    # ---- running ----------------------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 0) -> StripeSimulator:
        from billingone.integrations.providers.stripe.simulator.handler import make_handler
        from simulators.faults import QuietServer

        self.server = QuietServer((host, port), make_handler(self))
        self.generate()
        threading.Thread(target=self.server.serve_forever, args=(0.05,), name="stripe-sim", daemon=True).start()
        return self

    @property
    def url(self) -> str:
        assert self.server is not None, "start() the simulator first"
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def port(self) -> int:
        assert self.server is not None, "start() the simulator first"
        return self.server.server_address[1]

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self) -> StripeSimulator:
        return self.start() if self.server is None else self

    def __exit__(self, *exc) -> None:
        self.stop()
