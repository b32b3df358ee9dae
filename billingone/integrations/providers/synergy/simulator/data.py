"""The Synergy simulator's deterministic reseller account: domains and hosting services that
belong to the same companies as the Pax8 simulator's (simulators/dataset.py, their website
domains), a few owned by companies no one has linked yet, and the per-item errors Synergy puts
inside an `OK` list.

Dates are Synergy's local wall-clock strings (Australia/Melbourne), spread around the anchor day
so the 30/60/90-day renewal windows all hold something.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from simulators.dataset import Client, clients

MELBOURNE = ZoneInfo("Australia/Melbourne")
PLANS = (  # (planID, plan, product)
    ("1", "EW1", "Email & Web Hosting"),
    ("2", "EW2", "Email & Web Hosting"),
    ("3", "EW3", "Email & Web Hosting"),
    ("11", "WP1", "Managed WordPress"),
)
# Companies no MSP client is called: their renewals are "unmapped" until someone links them.
STRANGERS = (
    ("harbourlightsholdings.com.au", "HARBOUR LIGHTS HOLDINGS PTY LTD"),
    ("oldmillproject.com", ""),
    ("sunsetcafe.net.au", "SUNSET CAFE TRUST"),
)
SERVER = "WSH1-1E-SYD"


def melbourne_today() -> date:
    return datetime.now(MELBOURNE).date()


def stamp(day: date, time_of_day: str = "23:59:59") -> str:
    return f"{day.isoformat()} {time_of_day}"


def hoid(*parts: object) -> str:
    """A hosting service id as Synergy writes them (13 hex digits, e.g. 59d1c0f88976f)."""
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:13]


def registrant(client: Client) -> str:
    """The .au registry's registrant name: the company's legal name in capitals (only .au
    domains carry one in Synergy's answers)."""
    return client.name.upper() if client.domain.endswith(".au") else ""


@dataclass
class Account:
    """One reseller's domains and hosting services (dicts as the API answers their entries)."""

    domains: list[dict] = field(default_factory=list)
    services: list[dict] = field(default_factory=list)
    # Names listListDomains shows with a per-item error whose domainInfo still answers.
    flaky: set[str] = field(default_factory=set)
    # Names whose domainInfo fails too (tests add to it).
    broken: set[str] = field(default_factory=set)

    def domain(self, name: str) -> dict | None:
        return next((d for d in self.domains if d["domainName"] == name.lower() and d["status"] == "OK"), None)

    def service(self, identifier: str) -> dict | None:
        return next((s for s in self.services if s.get("hoid") == identifier), None)


def domain_entry(name: str, owner: str, expiry: datetime, *, status="ok", auto_renew=1, created: date) -> dict:
    entry = {
        "status": "OK",
        "domainName": name,
        "domain_status": status,
        "domain_expiry": expiry.strftime("%Y-%m-%d %H:%M:%S"),
        "createdDate": stamp(created, "10:15:00"),
        "nameServers": ["ns1.nameserver.net.au", "ns2.nameserver.net.au", "ns3.nameserver.net.au"],
        "dnsConfig": "1",
        "dnsConfigName": "Custom",
        "idProtect": "Disabled",
        "autoRenew": auto_renew,
        "bulkInProgress": "0",
    }
    if owner:
        entry.update(auRegistrantName=owner, auRegistrantIDType="ABN", auEligibilityType="Company")
    return entry


def service_entry(index: int, domain: str, anchor: date, seed: int, *, brief: bool) -> dict:
    plan_id, plan, product = PLANS[index % len(PLANS)]
    annual = index % 5 == 3
    renews = anchor + timedelta(days=(index * 11) % (300 if annual else 31) + 1)
    status = {4: "Suspended", 5: "Pending Cancellation"}.get(index, "Active")
    entry = {
        "status": "OK",
        "hoid": hoid(seed, domain, "hosting"),
        "domain": domain,
        "username": domain.split(".")[0][:10],
        "server": SERVER,
        "serviceStatus": status,
        "planID": plan_id,
        "plan": plan,
        "billingPeriod": "annually" if annual else "monthly",
        "nextRenewalDue": stamp(renews),
        "locationID": "1",
        "city": "Sydney",
        "country": "Australia",
        "serverIPAddress": "203.0.113.40",
        "_product": product,  # hostingGetService's `product`; not in the list
    }
    if brief:  # an older service whose list entry lacks the billing fields: only its detail has them
        del entry["billingPeriod"], entry["nextRenewalDue"]
        entry["_detail"] = {"billingPeriod": "annually" if annual else "monthly", "nextRenewalDue": stamp(renews)}
    return entry


def generate(seed: int = 1, companies: int = 24, anchor: date | None = None, filler: int = 0) -> Account:
    """The account: each company's website domain (some also a second one), hosting for half of
    them, three strangers' domains, the per-item errors, and `filler` extra domains (paging)."""
    anchor = anchor or melbourne_today()
    account = Account()
    for client in clients(seed, companies):
        i = client.index
        expires = datetime.combine(anchor + timedelta(days=(i * 37) % 400 - 10), datetime.min.time(), MELBOURNE)
        expires = expires.replace(hour=0, minute=30) if i % 4 == 1 else expires.replace(hour=16, minute=31, second=47)
        status = {5: "clientHold", 9: "clientTransferProhibited"}.get(i, "ok")
        created = anchor - timedelta(days=400 + i * 90)
        owner = registrant(client)
        account.domains.append(
            domain_entry(client.domain, owner, expires, status=status, auto_renew=int(i % 3 != 2), created=created)
        )
        if i % 3 == 0:
            core = client.domain.split(".")[0]
            second = f"{core}.net.au" if client.domain.endswith(".com.au") else f"{core}.net"
            later = expires + timedelta(days=45)
            account.domains.append(domain_entry(second, owner, later, auto_renew=1, created=created))
        if i % 2 == 0:
            account.services.append(service_entry(i // 2, client.domain, anchor, seed, brief=i % 8 == 6))
    for n, (name, owner) in enumerate(STRANGERS):
        expires = datetime.combine(anchor + timedelta(days=12 + n * 25), datetime.min.time(), MELBOURNE)
        account.domains.append(domain_entry(name, owner, expires.replace(hour=9), auto_renew=0, created=anchor))
    account.services.append(service_entry(7, STRANGERS[0][0], anchor, seed, brief=False))
    for n in range(filler):
        expires = datetime.combine(anchor + timedelta(days=100 + n % 200), datetime.min.time(), MELBOURNE)
        account.domains.append(domain_entry(f"filler-{n:05d}.com.au", "", expires, created=anchor))
    add_item_errors(account, seed, companies)
    return account


def add_item_errors(account: Account, seed: int, companies: int) -> None:
    """What Synergy does inside an `OK` list: a deleted domain and a gone hosting service listed
    with their errors, and a domain whose list entry failed though `domainInfo` still answers."""
    account.domains.append(
        {
            "status": "ERR_DOMAIN_NOT_FOUND",
            "errorMessage": "Domain name does not exist.",
            "domainName": "closedbranch.com.au",
        }
    )
    account.services.append(
        {
            "status": "ERR_HOSTING_SERVICE_NOT_FOUND",
            "errorMessage": "Hosting service does not exist",
            "domainName": "formerclient.com.au",
        }
    )
    flaky = clients(seed, companies)[min(2, companies - 1)].domain
    account.flaky.add(flaky)
