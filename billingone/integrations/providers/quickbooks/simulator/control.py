"""The simulator's /_sim/ control endpoints (tests, the benchmark, the demo) and how an
injected fault is answered. Not part of Intuit's API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from billingone.integrations.providers.quickbooks.simulator.sim import ApiFault, fault_body
from simulators import faults
from simulators.faults import Fault

if TYPE_CHECKING:
    from billingone.integrations.providers.quickbooks.simulator.handler import QuickBooksHandler


def apply_fault(handler: QuickBooksHandler, fault: Fault) -> bool:
    """Answer with the fault; False when the request should then proceed normally."""
    sim = handler.simulator
    if fault.kind == "page_delete":
        books = sim.company(handler.realm_id).books
        sim.delete_invoice(next(iter(books.live_indices())), handler.realm_id)
        return False
    if fault.kind == "429":  # QBO's ThrottleExceeded Fault, with Retry-After
        handler.throttled(fault.retry_after)
        return True
    return faults.act(handler, fault, dialect(sim))


def dialect(sim) -> faults.Dialect:
    """How QuickBooks says the shared faults: Fault envelopes, and a 401 that is not one."""

    def error_body(status: int, message: str) -> dict:
        from billingone.integrations.providers.quickbooks.simulator.handler import unauthorized_body

        if status == 401:
            return unauthorized_body(sim.now_stamp())
        detail = f"System Failure Error: {message}"
        return fault_body(
            ApiFault(status, "10000", "An application error has occurred", detail, "SystemFault"), sim.now_stamp()
        )

    return faults.Dialect(error_body=error_body, expire_tokens=sim.identity.expire_access_tokens)


def get(handler: QuickBooksHandler) -> None:
    sim = handler.simulator
    if handler.route == "/_sim/faults":
        return handler.send_json(*sim.faults.control("GET", {}))
    if handler.route != "/_sim/state":
        return handler.send_json(404, {"error": "not_found"})
    handler.send_json(
        200,
        {
            "companies": [
                {"realmId": realm, "name": company.name, "invoices": company.books.total - len(company.books.deleted)}
                for realm, company in sim.companies.items()
            ],
            **sim.limits.snapshot(),
            "token_requests": sim.identity.token_requests,
            "webhook_deliveries": [d.status for d in sim.webhooks.deliveries],
        },
    )


def post(handler: QuickBooksHandler) -> None:
    actions = {
        "/_sim/mutate": mutate,
        "/_sim/webhook": configure_webhook,
        "/_sim/apps": register_app,
        "/_sim/expire_tokens": expire_tokens,
    }
    if handler.route == "/_sim/faults":
        return handler.send_json(*handler.simulator.faults.control("POST", handler.form()))
    action = actions.get(handler.route)
    if action is None:
        return handler.send_json(404, {"error": "not_found"})
    options = handler.form()
    try:
        status, body = action(handler.simulator, options)
    except (TypeError, ValueError, KeyError, IndexError) as error:
        status, body = 400, {"error": str(error)}
    handler.send_json(status, body)


def mutate(sim, options: dict) -> tuple[int, dict]:
    """Change, void or delete `n` invoices, spread over the company's books."""
    realm = options.get("realm") or None
    books = sim.company(realm).books
    total = books.total
    if "fraction" in options:
        options = {**options, "change": int(total * float(options["fraction"]))}
    live = set(books.live_indices())

    def picks(count: int, step: int, shift: int) -> list[int]:
        return [i for i in ((k * step + shift) % total for k in range(count)) if i in live]

    changed = [sim.change_invoice(i, realm)["Id"] for i in picks(int(options.get("change", 0)), 97, 0)]
    voided = [sim.void_invoice(i, realm)["Id"] for i in picks(int(options.get("void", 0)), 89, 7)]
    deleted = [sim.delete_invoice(i, realm) for i in picks(int(options.get("delete", 0)), 83, 13)]
    return 200, {"changed": changed, "voided": voided, "deleted": deleted}


def configure_webhook(sim, options: dict) -> tuple[int, dict]:
    sim.webhooks.configure(str(options["url"]), str(options["verifier_token"]), options.get("format", "cloudevents"))
    return 200, {"url": sim.webhooks.url, "format": sim.webhooks.format}


def register_app(sim, options: dict) -> tuple[int, dict]:
    uris = options.get("redirect_uris", [])
    sim.identity.register_app(str(options["client_id"]), str(options["client_secret"]), uris)
    return 201, {"client_id": options["client_id"]}


def expire_tokens(sim, options: dict) -> tuple[int, dict]:
    sim.identity.expire_access_tokens()
    return 200, {"expired": True}
