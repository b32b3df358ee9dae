"""The HTTP side of the SuperOps simulator: `POST /msp` on each region's listener, the shared
fault vocabulary, and the control endpoints tests and the benchmark use:

    GET|POST|DELETE /_sim/faults          the shared fault plan (simulators/faults.py)
    POST /_sim/tenant {"region", "subdomain", "subscription": "paused"}   the account's state
    POST /_sim/mutate {"create": n, "update": n, "delete": n}            invoices change
    GET  /_sim/stats                      calls, rate refusals, the busiest 60 s window

A shared `429` fault answers the SuperOps way: HTTP 200 with `rate_limit_exceeded` (and the
fault's Retry-After, which real SuperOps is not documented to send); `token_expiry` is a token
regenerated in SuperOps: every token handed out is refused from then on (401).
"""

from __future__ import annotations

import json

from simulators.faults import Dialect, act, write
from simulators.http import SimulatorHandler


def make_handler(sim, region: str):
    from billingone.integrations.providers.superops.simulator.server import client_error, envelope, operation_of

    class Handler(SimulatorHandler):
        def body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def json_body(self) -> dict:
            try:
                parsed = json.loads(self.body() or b"{}")
            except ValueError:
                return {}
            return parsed if isinstance(parsed, dict) else {}

        def send_json(self, status: int, payload: object) -> None:
            write(self, status, json.dumps(payload).encode())

        def do_GET(self):
            if self.route == "/_sim/faults":
                self.send_json(*sim.faults.control("GET", {}))
            elif self.route == "/_sim/stats":
                self.send_json(200, {**sim.stats, "busiest_minute": sim.busiest_window(), "region": region})
            else:
                self.send_json(404, {"message": "Not found"})

        def do_DELETE(self):
            if self.route == "/_sim/faults":
                self.send_json(*sim.faults.control("DELETE", {}))
            else:
                self.send_json(404, {"message": "Not found"})

        def do_POST(self):
            if self.route == "/_sim/faults":
                self.send_json(*sim.faults.control("POST", self.json_body()))
            elif self.route == "/_sim/tenant":
                self.tenant_state(self.json_body())
            elif self.route == "/_sim/mutate":
                self.mutate(self.json_body())
            elif self.route == "/msp":
                self.api()
            else:
                self.send_json(404, {"message": "Not found"})

        def api(self) -> None:
            body = self.body()
            operation = operation_of(body)
            sim.requests.append({"region": region, "headers": dict(self.headers), "body": body})
            del sim.requests[:-50]
            if operation.endswith("List"):  # what each list call asked for (paging tests)
                sim.listings.append((operation, listing_of(body)))
                del sim.listings[:-500]
            fault = sim.faults.take(f"/msp/{operation}")
            if fault is not None and self.act_fault(fault):
                return
            status, answer, headers = sim.answer(region, self.headers, body)
            sim.stats[f"{operation or 'unknown'}"] += 1
            write(self, status, answer, headers)

        def act_fault(self, fault) -> bool:
            if fault.kind == "429":  # SuperOps refuses for rate inside a 200
                sim.stats["rate_limited"] += 1
                refusal = envelope(client_error("rate_limit_exceeded", "Rate limit exceeded"))
                write(self, 200, refusal, {"Retry-After": str(fault.retry_after)})
                return True
            dialect = Dialect(
                error_body=lambda status, message: {"errors": [{"message": message}]},
                expire_tokens=sim.regenerate_tokens,
            )
            return act(self, fault, dialect)

        def tenant_state(self, body: dict) -> None:
            key = (str(body.get("region") or "us"), str(body.get("subdomain") or ""))
            tenant = sim.tenants.get(key) or sim.tenant(key[0])
            if "subscription" in body:
                tenant.subscription = str(body["subscription"])
            self.send_json(200, {"subdomain": tenant.subdomain, "subscription": tenant.subscription})

        def mutate(self, body: dict) -> None:
            tenant = sim.tenant(str(body.get("region") or "us"))
            with sim.lock:
                changed = mutate_tenant(
                    tenant, int(body.get("create", 0)), int(body.get("update", 0)), int(body.get("delete", 0))
                )
            self.send_json(200, changed)

    return Handler


def listing_of(body: bytes) -> dict:
    try:
        listing = (json.loads(body).get("variables") or {}).get("input")
    except (ValueError, AttributeError):
        return {}
    return listing if isinstance(listing, dict) else {}


def mutate_tenant(tenant, create: int, update: int, delete: int) -> dict:
    """New invoices dated today, the oldest open ones paid, the oldest others deleted (outside
    any delta window: only a full scan sees them go)."""
    from billingone.integrations.providers.superops.simulator.data import PAID, stamp

    created = [tenant.create_invoice()["invoiceId"] for _ in range(create)]
    open_ids = [key for key, row in tenant.invoices.items() if row["statusEnum"] != PAID][:update]
    for invoice_id in open_ids:
        tenant.update_invoice(invoice_id, statusEnum=PAID, paymentDate=stamp(tenant.today))
    deleted = [key for key in tenant.invoices if key not in open_ids][:delete]
    for invoice_id in deleted:
        tenant.delete_invoice(invoice_id)
    return {"created": created, "updated": open_ids, "deleted": deleted}
