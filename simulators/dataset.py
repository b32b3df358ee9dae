"""A deterministic world of MSP client companies, shared by every simulator.

The same (seed, size) always gives the same companies — names, email domains, ids,
addresses — so the Pax8 simulator's companies and the accounting simulators' contacts
describe the *same* clients (with realistic drift: "Inc." vs none, different casing), and
mapping has real work to do.

    from simulators.dataset import clients
    for client in clients(seed=7, size=40): client.name, client.domain, client.uuid("pax8")
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from functools import cache

PREFIXES = (
    "Acme Blue Harbor Cedar Summit Northwind Riverside Granite Pioneer Lakeside Evergreen Redwood Silver "
    "Oakridge Brightline Keystone Maple Horizon Coastal Meridian Ironbark Harbourside Sterling Westgate "
    "Clearwater Foxglove Highland Ashford Bluebird Copperleaf Stonebridge Wattle Kingfisher Juniper Orchard"
).split()
CORES = (
    "Dental Legal Accounting Logistics Architects Medical Realty Engineering Plumbing Bakery Motors "
    "Pharmacy Veterinary Consulting Builders Freight Insurance Studios Travel Wealth Physio Electrical "
    "Printing Landscaping Clinic Brewing Marine Optometry Roofing Tutoring Catering Security Surveyors"
).split()
SUFFIXES = ("Pty Ltd", "Inc.", "LLC", "Group", "Co.", "Partners", "Ltd", "")
CITIES = (
    ("Sydney", "NSW", "AU", "2000"),
    ("Melbourne", "VIC", "AU", "3000"),
    ("Brisbane", "QLD", "AU", "4000"),
    ("Denver", "CO", "US", "80202"),
    ("Austin", "TX", "US", "78701"),
    ("Seattle", "WA", "US", "98101"),
    ("Auckland", "AUK", "NZ", "1010"),
    ("Toronto", "ON", "CA", "M5H"),
    ("London", "LND", "GB", "EC1A"),
)
STREETS = "High Main King Queen George Church Park Station Victoria Mill Market Bridge".split()
FIRST_NAMES = "Alex Sam Jordan Taylor Morgan Casey Jamie Riley Chris Pat Robin Drew Kim Lee Max".split()
LAST_NAMES = "Nguyen Smith Patel Brown Garcia Wilson Chen Taylor Martin Walker Young King Wright".split()


@dataclass(frozen=True)
class Client:
    """One MSP client company."""

    index: int
    seed: int
    name: str  # the canonical name, e.g. "Cedar Dental Pty Ltd"
    domain: str  # e.g. "cedardental.com.au"
    contact_name: str
    street: str
    city: str
    state: str
    country: str
    postal_code: str
    phone: str

    @property
    def email(self) -> str:
        first = self.contact_name.split()[0].lower()
        return f"{first}@{self.domain}"

    @property
    def billing_email(self) -> str:
        return f"accounts@{self.domain}"

    @property
    def website(self) -> str:
        return f"https://www.{self.domain}"

    @property
    def short_name(self) -> str:
        """The name without its legal suffix: how an accounting system often spells it."""
        for suffix in SUFFIXES:
            if suffix and self.name.endswith(" " + suffix):
                return self.name[: -len(suffix) - 1]
        return self.name

    def uuid(self, namespace: str) -> str:
        """A stable id of this client in one provider (`"pax8"`, `"xero"`, …)."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"billingone-sim:{namespace}:{self.seed}:{self.index}"))


def _phone(rng: random.Random) -> str:
    return f"+{rng.randint(1, 64)} {rng.randint(200, 999)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"


def _tld(country: str) -> str:
    return {"AU": ".com.au", "NZ": ".co.nz", "GB": ".co.uk", "CA": ".ca"}.get(country, ".com")


@cache
def clients(seed: int = 1, size: int = 40) -> tuple[Client, ...]:
    """`size` distinct clients for `seed` (names unique within the set)."""
    rng = random.Random(f"clients:{seed}")
    result: list[Client] = []
    used: set[str] = set()
    while len(result) < size:
        core_name = f"{rng.choice(PREFIXES)} {rng.choice(CORES)}"
        if core_name in used:
            core_name = f"{core_name} {len(result) + 1}"
        used.add(core_name)
        city, state, country, postal = rng.choice(CITIES)
        suffix = rng.choice(SUFFIXES)
        name = f"{core_name} {suffix}".strip()
        domain = core_name.lower().replace(" ", "") + _tld(country)
        result.append(
            Client(
                index=len(result),
                seed=seed,
                name=name,
                domain=domain,
                contact_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                street=f"{rng.randint(1, 400)} {rng.choice(STREETS)} St",
                city=city,
                state=state,
                country=country,
                postal_code=postal,
                phone=_phone(rng),
            )
        )
    return tuple(result)


def stable_uuid(*parts: object) -> str:
    """A deterministic UUID from any parts (ids of generated records)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "billingone-sim:" + ":".join(str(p) for p in parts)))


# The demo's reconciliation story (`--showcase` on the vendor and accounting simulators): a few
# clients whose licences and invoices agree or differ on purpose, so the demo organization shows
# every kind of finding with numbers a newcomer can check by hand.
@dataclass(frozen=True)
class ShowcaseLicence:
    client_index: int  # into clients(seed, size)
    product: str  # the vendor catalogue's product name (also the invoice line's description)
    item_code: str  # the accounting item that bills it
    licensed: int  # seats the vendor licenses
    billed: int | None  # seats the accounting side bills (None: the client is not in the books at all)
    term: str  # "Monthly" or "Annual"


SHOWCASE: tuple[ShowcaseLicence, ...] = (
    ShowcaseLicence(0, "Microsoft 365 Business Premium", "M365-BP", 12, 9, "Monthly"),  # under-billed by 3
    ShowcaseLicence(0, "Exchange Online (Plan 1)", "EXO-P1", 5, 5, "Monthly"),  # matched
    ShowcaseLicence(1, "Microsoft 365 E3", "M365-E3", 20, 20, "Annual"),  # billed once a year: matched
    ShowcaseLicence(2, "Acronis Cyber Protect Cloud", "ACR-CP", 8, 10, "Monthly"),  # over-billed by 2
    ShowcaseLicence(3, "Microsoft 365 Business Standard", "M365-BS", 15, 15, "Monthly"),  # matched
    ShowcaseLicence(4, "Microsoft 365 Business Standard", "M365-BS", 6, None, "Monthly"),  # client not in the books
)
SHOWCASE_CLIENTS = frozenset(licence.client_index for licence in SHOWCASE)
SHOWCASE_UNBOOKED = frozenset(licence.client_index for licence in SHOWCASE if licence.billed is None)
SHOWCASE_ANNUAL_MONTHS_AGO = 5  # the annual licence's term started (and was invoiced) this long ago


def months_ago(today, months: int):
    """The first day of the month `months` before `today`'s."""
    index = today.year * 12 + today.month - 1 - months
    return today.replace(year=index // 12, month=index % 12 + 1, day=1)
