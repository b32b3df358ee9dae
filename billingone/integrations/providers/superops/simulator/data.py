"""One SuperOps tenant's clients and invoices, deterministic from (seed, size).

Clients are the shared MSP companies of simulators/dataset.py (the Pax8 simulator's, spelled as
a PSA admin typed them). Ids are what SuperOps issues: 19-digit numbers beyond 2^53, strings
where the schema says `ID`, and unquoted JSON numbers inside JSON-scalar associations
(`client: {"accountId": 6917529027641082089, …}`), as live tenants send them. Invoices bill
PSA services (managed-services agreements, support blocks), not the vendor's licences, so the
demo's licence reconciliation story is left as the accounting simulators tell it.
Invoice summaries live in memory; items are computed per invoice when getInvoice asks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from simulators.dataset import Client, clients

ACCOUNT_BASE = 6_917_529_027_641_081_856  # 2^62 + …: every id is far beyond 2^53
INVOICE_BASE = 7_205_759_403_792_793_600
ITEM_BASE = 8_070_450_532_247_928_832
USER_BASE = 5_764_607_523_034_234_880
CENT = Decimal("0.01")
TAX_RATE = Decimal("0.10")
SPAN_DAYS = 365
# PSA services an MSP bills from SuperOps contracts and worklogs.
SERVICES = (
    ("Managed services agreement - per device", Decimal("65.00")),
    ("Managed services agreement - per user", Decimal("95.00")),
    ("Remote support block (10 hours)", Decimal("1250.00")),
    ("On-site support visit", Decimal("180.00")),
    ("RMM agent - per endpoint", Decimal("4.50")),
    ("Backup monitoring - per server", Decimal("35.00")),
    ("Project work - network refresh", Decimal("140.00")),
)
# statusEnum values are not published (PROVIDERS.md §8.5): enum-style words the connector reads by meaning.
PAID, SENT, PARTIAL, VOID, DRAFT = "PAID", "SENT", "PARTIALLY_PAID", "VOID", "DRAFT"


def money(value: Decimal) -> float:
    return float(value.quantize(CENT, rounding=ROUND_HALF_UP))


def stamp(day: date) -> str:
    """SuperOps' date-times: UTC ISO-8601 without an offset."""
    return datetime(day.year, day.month, day.day, 9, 0, 0, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%S")


def psa_name(company: Client, rnd: random.Random) -> str:
    roll = rnd.random()
    if roll < 0.6:
        return company.name
    if roll < 0.9:
        return company.short_name
    return company.name.upper()


@dataclass
class Tenant:
    subdomain: str
    region: str
    seed: int = 1
    invoice_count: int = 300
    company_count: int = 24
    today: date = field(default_factory=lambda: datetime.now(UTC).date())
    subscription: str = "active"  # or paused / cancelled / trial_expired
    clients: list[dict] = field(default_factory=list)
    invoices: dict[str, dict] = field(default_factory=dict)  # invoiceId → summary (insertion = id order)
    items: dict[str, list[dict]] = field(default_factory=dict)  # invoiceId → its items
    version: int = 0  # bumped on every change (list caches key on it)
    created: int = 0  # invoices created after the start

    def __post_init__(self) -> None:
        rnd = random.Random(f"superops:{self.subdomain}:{self.seed}:clients")
        for company in clients(self.seed, self.company_count):
            self.clients.append(self.client_row(company, psa_name(company, rnd)))
        for index in range(self.invoice_count):
            self.add_invoice(index)

    # ---- clients ------------------------------------------------------------------------
    def client_row(self, company: Client, name: str) -> dict:
        account_id = ACCOUNT_BASE + company.index * 104_729
        domains = [company.domain]
        if company.index % 5 == 0:
            domains.append(company.domain.split(".")[0] + ".net")  # a second mail domain
        return {
            "accountId": str(account_id),
            "name": name,
            "stage": "Active",
            "status": "Paid",
            "emailDomains": domains,
            "accountManager": {"userId": USER_BASE + 1, "name": "Sam Admin"},
            "primaryContact": {
                "userId": USER_BASE + 100 + company.index,
                "name": company.contact_name,
                "email": company.email,
            },
            "secondaryContact": None,
            "hqSite": {"id": account_id + 1, "name": f"{company.city} HQ"},
            "technicianGroups": None,
            "customFields": {},
        }

    def client_ref(self, row: dict) -> dict:
        """The JSON-scalar association: the id as an unquoted big number."""
        return {"accountId": int(row["accountId"]), "name": row["name"]}

    # ---- invoices -----------------------------------------------------------------------
    def invoice_id(self, index: int) -> str:
        return str(INVOICE_BASE + index * 7_919)

    def add_invoice(self, index: int, issued: date | None = None) -> dict:
        rnd = random.Random(f"superops:{self.subdomain}:{self.seed}:invoice:{index}")
        span = max(1, self.invoice_count)
        issued = issued or self.today - timedelta(days=SPAN_DAYS - (index * SPAN_DAYS) // span)
        client = self.clients[rnd.randrange(len(self.clients))]
        invoice_id = self.invoice_id(index)
        items = self.make_items(invoice_id, issued, rnd)
        subtotal = sum((Decimal(str(item["amount"])) for item in items), Decimal(0))
        tax = (subtotal * TAX_RATE).quantize(CENT, rounding=ROUND_HALF_UP)
        age = (self.today - issued).days
        status = PAID if age > 40 else rnd.choice((SENT, SENT, PAID, PARTIAL))
        if rnd.random() < 0.02:
            status = VOID
        if age < 2 and rnd.random() < 0.3:
            status = DRAFT
        summary = {
            "invoiceId": invoice_id,
            "displayId": f"INV-{10_000 + index}",
            "client": self.client_ref(client),
            "site": {"id": int(client["accountId"]) + 1, "name": client["hqSite"]["name"]},
            "invoiceDate": stamp(issued),
            "dueDate": stamp(issued + timedelta(days=30)),
            "statusEnum": status,
            "sentToClient": status not in (DRAFT,),
            "discountAmount": 0.0,
            "additionalDiscount": 0.0,
            "additionalDiscountRate": 0.0,
            "totalAmount": money(subtotal + tax),
            "notes": "",
            "paymentDate": stamp(issued + timedelta(days=rnd.randint(3, 30))) if status == PAID else None,
            "paymentMethod": {"name": "Bank transfer"} if status == PAID else None,
            "paymentReference": f"PAY-{index}" if status == PAID else "",
            "invoicePaymentTerm": {"name": "Net 30", "days": 30},
            "paymentLink": None,
            "taxes": [
                {
                    "id": str(invoice_id),
                    "tax": {"name": "GST"},
                    "taxRate": 10.0,
                    "taxableAmount": money(subtotal),
                    "taxAmount": money(tax),
                    "rate": 10.0,
                }
            ],
        }
        self.invoices[invoice_id] = summary
        self.items[invoice_id] = items
        self.version += 1
        return summary

    def make_items(self, invoice_id: str, issued: date, rnd: random.Random) -> list[dict]:
        items = []
        for number in range(rnd.randint(1, 3)):
            details, price = SERVICES[rnd.randrange(len(SERVICES))]
            quantity = Decimal(rnd.randint(1, 40)) if "per" in details else Decimal(1)
            amount = (price * quantity).quantize(CENT)
            items.append(
                {
                    "itemId": str(ITEM_BASE + int(invoice_id) % 1_000_000_000 * 10 + number),
                    "billedDate": stamp(issued),
                    "details": details,
                    "serviceItem": {"name": details},
                    "quantity": float(quantity),
                    "unitPrice": money(price),
                    "discountRate": 0.0,
                    "amount": money(amount),
                    "taxable": True,
                    "taxAmount": money(amount * TAX_RATE),
                    "tax": {"name": "GST"},
                }
            )
        return items

    def invoice(self, invoice_id: str) -> dict | None:
        summary = self.invoices.get(invoice_id)
        return None if summary is None else {**summary, "items": self.items[invoice_id]}

    # ---- changes (tests, the benchmark) -----------------------------------------------------
    def create_invoice(self, issued: date | None = None) -> dict:
        self.created += 1
        index = self.invoice_count + 1_000_000 + self.created  # after every existing id
        return self.add_invoice(index, issued or self.today)

    def update_invoice(self, invoice_id: str, **changes) -> dict:
        self.invoices[invoice_id] = {**self.invoices[invoice_id], **changes}
        self.version += 1
        return self.invoices[invoice_id]

    def delete_invoice(self, invoice_id: str) -> None:
        self.invoices.pop(invoice_id)
        self.items.pop(invoice_id, None)
        self.version += 1
