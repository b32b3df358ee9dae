"""SynergySimulator: a real SOAP 1.1 endpoint speaking Synergy Wholesale's API for
`balanceQuery`, `listDomains`, `domainInfo`, `listHosting` and `hostingGetService`, with the
documented error statuses (ERR_RESELLER_AUTH_FAILED, ERR_LOGIN_FAILED, ERR_RESELLER_NOT_AUTHORISED
for an unregistered IP address, ERR_DOMAININFO_FAILED, ERR_HOSTING_SERVICE_NOT_FOUND,
ERR_OCCURED), per-item errors inside `OK` lists, NuSOAP's faults (HTTP 500) and the shared fault
vocabulary (simulators/faults.py) under /_sim/faults.

Control: GET /_sim/state, POST /_sim/ips {"reseller_id", "addresses": [...]} (the IP addresses a
reseller registered), POST /_sim/broken {"domain"} (a domain whose every read fails).
"""

from __future__ import annotations

import json
import threading

from billingone.integrations.providers.synergy.simulator import envelope
from billingone.integrations.providers.synergy.simulator.data import Account, generate
from simulators.faults import FaultPlan, QuietServer, act
from simulators.http import SimulatorHandler

DEMO_RESELLER_ID = "4567"
DEMO_API_KEY = "sw-demo-5f2a9c1e7b3d4a6f8e0c2b4d6f8a0c1e"
# A second reseller whose registered address is not this machine's: its calls are refused.
ELSEWHERE_RESELLER_ID = "7788"
ELSEWHERE_API_KEY = "sw-demo-elsewhere-0b1c2d3e4f5a6b7c8d9e"
LOCAL_ADDRESSES = ["127.0.0.1", "::1"]
DOMAIN_LIMIT, HOSTING_LIMIT = 500, 1000
COMMANDS = ("balanceQuery", "listDomains", "domainInfo", "listHosting", "hostingGetService")
EXTRA_FAULTS = ("soap_fault", "err_occured")  # a Server fault (HTTP 500); an ERR_OCCURED answer


class SynergySimulator:
    def __init__(self, *, seed: int = 1, companies: int = 24, anchor=None, filler: int = 0):
        self.seed, self.companies, self.anchor, self.filler = seed, companies, anchor, filler
        self.account: Account = generate(seed, companies, anchor, filler)
        self.resellers = {
            DEMO_RESELLER_ID: {"key": DEMO_API_KEY, "ips": list(LOCAL_ADDRESSES), "balance": "802.25"},
            ELSEWHERE_RESELLER_ID: {"key": ELSEWHERE_API_KEY, "ips": ["203.0.113.10"], "balance": "15.00"},
        }
        self.faults = FaultPlan(extra_kinds=EXTRA_FAULTS)
        self.lock = threading.RLock()
        self.calls: list[dict] = []  # command and parameters (no key) of every call, for tests
        self.server: QuietServer | None = None

    # ---- the API ----------------------------------------------------------------------------
    def dispatch(self, command: str, params: dict, client_ip: str) -> dict:
        """A command's `return` struct (status and fields), after the login checks every call makes."""
        reseller_id, key = str(params.get("resellerID") or ""), str(params.get("apiKey") or "")
        with self.lock:
            self.calls.append({"command": command, **{k: v for k, v in params.items() if k != "apiKey"}})
            if not reseller_id or not key:
                return error("ERR_RESELLER_AUTH_FAILED", "ResellerID and/or API Key is missing/empty")
            reseller = self.resellers.get(reseller_id)
            if reseller is None or reseller["key"] != key:
                return error("ERR_LOGIN_FAILED", "Unable to login to wholesale system")
            if client_ip not in reseller["ips"]:
                return error(
                    "ERR_RESELLER_NOT_AUTHORISED",
                    f"Reseller is not authorised to use the API from this IP address ({client_ip})",
                )
            return getattr(self, command)(params, reseller)

    def balanceQuery(self, params: dict, reseller: dict) -> dict:
        return {"status": "OK", "balance": reseller["balance"]}

    def listDomains(self, params: dict, reseller: dict) -> dict:
        page, limit = paging(params, DOMAIN_LIMIT)
        wanted = str(params.get("status") or "").lower()
        rows = [d for d in self.account.domains if not wanted or d.get("domain_status", "").lower() == wanted]
        chosen = rows[(page - 1) * limit : page * limit]
        return {"status": "OK", "domainList": [self.listed(d) for d in chosen], "page": page, "limit": limit}

    def listed(self, domain: dict) -> dict:
        name = domain.get("domainName", "")
        if name in self.account.flaky or name in self.account.broken:
            return error("ERR_DOMAININFO_FAILED", "Domain Info Failed - Unable to retrieve domain information", name)
        return dict(domain)

    def domainInfo(self, params: dict, reseller: dict) -> dict:
        name = str(params.get("domainName") or "").lower()
        if not name:
            return error("ERR_VAR_EMPTY", "One of the required variables are missing or empty")
        domain = self.account.domain(name)
        if name in self.account.broken:
            return error("ERR_DOMAININFO_FAILED", "Domain Info Failed - Unable to retrieve domain information", name)
        if domain is None:
            return {
                **error("ERR_DOMAININFO_FAILED", "Domain Info Failed - Domain Does Not Exist", name),
                "domain_status": "Domain does not exist",
            }
        return dict(domain)

    def listHosting(self, params: dict, reseller: dict) -> dict:
        page, limit = paging(params, HOSTING_LIMIT)
        wanted = str(params.get("status") or "").lower()
        rows = [s for s in self.account.services if not wanted or s.get("serviceStatus", "").lower() == wanted]
        chosen = [public(s) for s in rows[(page - 1) * limit : page * limit]]
        return {"status": "OK", "page": page, "limit": limit, "hoidList": chosen}

    def hostingGetService(self, params: dict, reseller: dict) -> dict:
        identifier = str(params.get("identifier") or params.get("hoid") or "")
        service = self.account.service(identifier) if identifier else None
        if service is None:
            return error("ERR_HOSTING_SERVICE_NOT_FOUND", "Hosting service does not exist")
        detail = public(service)
        # Its answer's status is the service's own ("Active"), as the document's example shows.
        return {
            "status": service["serviceStatus"],
            "errorMessage": "Hosting Get Service Completed Successfully",
            "domain": service["domain"],
            "username": service["username"],
            "email": f"admin@{service['domain']}",
            "server": service["server"],
            "product": service["_product"],
            "plan": service["plan"],
            "billingPeriod": detail.get("billingPeriod") or service["_detail"]["billingPeriod"],
            "nextRenewalDue": detail.get("nextRenewalDue") or service["_detail"]["nextRenewalDue"],
            "dedicatedIPv4": "",
        }

    # ---- control ----------------------------------------------------------------------------
    def register_ips(self, reseller_id: str, addresses: list[str]) -> None:
        with self.lock:
            self.resellers[reseller_id]["ips"] = list(addresses)

    def state(self) -> dict:
        with self.lock:
            return {
                "domains": len(self.account.domains),
                "services": len(self.account.services),
                "resellers": {rid: {"ips": r["ips"]} for rid, r in self.resellers.items()},
                "calls": len(self.calls),
            }

    # ---- running ----------------------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 0) -> SynergySimulator:
        self.server = QuietServer((host, port), make_handler(self))
        threading.Thread(target=self.server.serve_forever, args=(0.05,), name="synergy-sim", daemon=True).start()
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

    def __enter__(self) -> SynergySimulator:
        return self.start() if self.server is None else self

    def __exit__(self, *exc) -> None:
        self.stop()


def error(status: str, message: str, domain: str = "") -> dict:
    answer = {"status": status, "errorMessage": message}
    if domain:
        answer["domainName"] = domain
    return answer


def public(service: dict) -> dict:
    """A service as the list shows it (without the simulator's private fields)."""
    if "hoid" not in service:
        return dict(service)
    return {k: v for k, v in service.items() if not k.startswith("_")}


def paging(params: dict, maximum: int) -> tuple[int, int]:
    """page (1-based) and limit, the documented maximum applied to a larger limit."""
    try:
        page = max(1, int(params.get("page") or 1))
        limit = int(params.get("limit") or maximum)
    except (TypeError, ValueError):
        page, limit = 1, maximum
    return page, min(max(limit, 1), maximum)


LIST_TYPES = {
    "listDomains": ("tns:bulkDomainInfoResponse", {"domainList": "tns:bulkDomainInfoResponseSingleEntry"}),
    "listHosting": ("tns:listHostingResponse", {"hoidList": "tns:hostingServiceEntry"}),
    "domainInfo": ("tns:domainInfoResponse", {}),
    "hostingGetService": ("tns:hostingGetServiceResponse", {}),
    "balanceQuery": ("tns:balanceQueryResponse", {}),
}


def make_handler(sim: SynergySimulator):
    class Handler(SynergyHandler):
        simulator = sim

    return Handler


class SynergyHandler(SimulatorHandler):
    simulator: SynergySimulator
    server_version = "NuSOAP/0.9.5 (SynergySimulator)"

    def send(self, status: int, body: bytes, content_type: str = "text/xml; charset=utf-8", headers=None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def json(self, status: int, payload: dict) -> None:
        self.send(status, json.dumps(payload).encode(), "application/json")

    def do_GET(self) -> None:
        if self.route == "/_sim/faults":
            self.json(*self.simulator.faults.control("GET", {}))
        elif self.route == "/_sim/state":
            self.json(200, self.simulator.state())
        else:
            self.send(404, b"Not found", "text/plain")

    def do_DELETE(self) -> None:
        if self.route == "/_sim/faults":
            self.json(*self.simulator.faults.control("DELETE", {}))
        else:
            self.send(404, b"Not found", "text/plain")

    def do_POST(self) -> None:
        raw = self.body()
        if self.route.startswith("/_sim/"):
            return self.control(raw)
        if self.route not in ("/", "/server.php", "/index.php"):
            return self.send(404, b"Not found", "text/plain")
        fault = self.simulator.faults.take(self.route)
        if fault is not None and self.act_fault(fault):
            return None
        try:
            command, params = envelope.read_request(raw)
        except envelope.BadRequest as exc:
            return self.send(500, envelope.fault("SOAP-ENV:Client", f"error in msg parsing: {exc}"))
        if command not in COMMANDS:
            message = f"Operation '{command}' is not defined in the WSDL for this service"
            return self.send(500, envelope.fault("SOAP-ENV:Client", message))
        if fault is not None and fault.kind == "err_occured":
            returned = error("ERR_OCCURED", "Failed to list domains. Please try again later")
        else:
            returned = self.simulator.dispatch(command, params, self.client_address[0])
        return_type, list_types = LIST_TYPES[command]
        return self.send(200, envelope.answer(command, returned, return_type, list_types))

    def act_fault(self, fault) -> bool:
        """The shared vocabulary in SOAP words: 5xx and soap_fault as Server faults, 429 with
        Retry-After, malformed as a truncated envelope, token_expiry as the reseller's key
        refused (Synergy has no tokens: a key that stops working); timeout and drop shared."""
        if fault.kind in ("5xx", "soap_fault"):
            status = fault.status if fault.kind == "5xx" else 500
            self.send(status, envelope.fault("SOAP-ENV:Server", "The service is temporarily unavailable"))
        elif fault.kind == "429":
            self.send(
                429,
                envelope.fault("SOAP-ENV:Server", "Too many requests"),
                headers={"Retry-After": str(fault.retry_after)},
            )
        elif fault.kind == "malformed":
            self.send(200, envelope.answer("listDomains", {"status": "OK"}, "tns:x")[:180])
        elif fault.kind == "token_expiry":
            with self.simulator.lock:
                for reseller in self.simulator.resellers.values():
                    reseller["key"] = "revoked-" + reseller["key"]
            answer = error("ERR_LOGIN_FAILED", "Unable to login to wholesale system")
            self.send(200, envelope.answer("balanceQuery", answer, "tns:balanceQueryResponse"))
        elif fault.kind == "err_occured":
            return False
        else:
            return act(self, fault, dialect=None)  # timeout, drop: no envelope needed
        return True

    def control(self, raw: bytes) -> None:
        try:
            payload = json.loads(raw or b"{}")
        except ValueError:
            return self.json(400, {"error": "JSON body expected"})
        if self.route == "/_sim/faults":
            return self.json(*self.simulator.faults.control("POST", payload))
        if self.route == "/_sim/ips" and payload.get("reseller_id") in self.simulator.resellers:
            self.simulator.register_ips(payload["reseller_id"], [str(a) for a in payload.get("addresses", [])])
            return self.json(200, self.simulator.state())
        if self.route == "/_sim/broken" and payload.get("domain"):
            with self.simulator.lock:
                self.simulator.account.broken.add(str(payload["domain"]).lower())
            return self.json(200, {"broken": sorted(self.simulator.account.broken)})
        return self.json(404, {"error": "unknown control"})
