"""One QuickBooks company's books: customers, items and invoices, deterministic and lazy.

Customers are the shared MSP clients of simulators/dataset.py (the Pax8 simulator's companies,
spelled the way a bookkeeper typed them). Invoice i is computed from (seed, i) on demand, so
100,000 invoices cost no memory until someone changes them; changed and new invoices live in
`overrides`, deleted ones in `deleted`. Base invoices are ordered in time (a higher index was
updated later), which keeps Change Data Capture a bisect instead of a scan.

Field names are the XSD element names (Finance.xsd, IntuitNamesTypes.xsd), as QBO's JSON uses.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from simulators.dataset import SHOWCASE_CLIENTS, Client, clients

# QuickBooks stamps times in the company's zone; Pacific standard time exercises offsets.
QBO_ZONE = timezone(timedelta(hours=-8))
SPAN_SECONDS = 365 * 86400
TAX_RATE = Decimal("0.10")
CENT = Decimal("0.01")
# The MSP's service items, named like the Pax8 catalogue's products (Sku = the item code).
ITEMS = (
    ("M365-BB", "Microsoft 365 Business Basic", Decimal("8.40")),
    ("M365-BS", "Microsoft 365 Business Standard", Decimal("17.50")),
    ("M365-BP", "Microsoft 365 Business Premium", Decimal("30.80")),
    ("M365-E3", "Microsoft 365 E3", Decimal("50.40")),
    ("EXO-P1", "Exchange Online (Plan 1)", Decimal("5.60")),
    ("DEF-BUS", "Microsoft Defender for Business", Decimal("4.20")),
    ("ACR-CP", "Acronis Cyber Protect Cloud", Decimal("11.90")),
    ("PP-ESS", "Proofpoint Essentials - Professional", Decimal("5.90")),
    ("KEEPER", "Keeper Business", Decimal("5.25")),
    ("MSP-USER", "Managed services - per user", Decimal("45.00")),
)
NAME_SUFFIXES = (" Pty Ltd", " Ltd", " Inc.")


def stamp(seconds: float) -> str:
    """QBO's time format: 2026-11-20T09:00:00-08:00."""
    return datetime.fromtimestamp(seconds, tz=QBO_ZONE).isoformat(timespec="seconds")


def money(value: Decimal) -> float:
    return float(value.quantize(CENT, rounding=ROUND_HALF_UP))


def display_name(company: Client, rnd: random.Random) -> str:
    """How the MSP's bookkeeper typed the client: often the same, sometimes not quite."""
    roll = rnd.random()
    if roll < 0.55:
        return company.name
    if roll < 0.75:
        return company.short_name
    if roll < 0.85:
        return company.short_name + rnd.choice(NAME_SUFFIXES)
    if roll < 0.93:
        return company.name.upper()
    return "The " + company.name.split()[0] + " Group"  # a trading name: only the email domain matches


@dataclass
class Books:
    """One realm's entities. Times are epoch seconds; `anchor` is the latest base update."""

    seed: str
    invoice_count: int
    company_count: int
    anchor: float
    company_seed: int = 1
    showcase: bool = False  # leave the demo's showcase clients to Xero (simulators/dataset.py SHOWCASE)
    customers: list[dict] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)
    overrides: dict[int, dict] = field(default_factory=dict)  # invoice index -> JSON (changed/new)
    override_updated: dict[int, float] = field(default_factory=dict)
    deleted: dict[int, float] = field(default_factory=dict)  # invoice index -> deletion time
    deleted_names: dict[tuple[str, str], float] = field(default_factory=dict)  # (entity, Id) -> time
    credit_memos: dict[str, dict] = field(default_factory=dict)  # Id -> CreditMemo (created by clients)
    total: int = 0

    def __post_init__(self) -> None:
        self.total = self.invoice_count
        self.seed_number = int.from_bytes(self.seed.encode()[:8].ljust(8, b"\0"), "big") % 1_000_003
        self.anchor_day = date.fromtimestamp(self.anchor)
        self.step = SPAN_SECONDS / max(1, self.invoice_count)
        rnd = random.Random(f"{self.seed}:customers")
        created = self.anchor - SPAN_SECONDS - 30 * 86400
        for company in clients(self.company_seed, self.company_count):
            if rnd.random() < 0.08:
                continue  # a Pax8 company nobody set up in QuickBooks yet
            if self.showcase and company.index in SHOWCASE_CLIENTS:
                continue  # the demo's story bills these in Xero: QuickBooks would blur its figures
            self.customers.append(self._customer(company, display_name(company, rnd), created))
        self.customers.append(self._walk_in(created))
        for number, (sku, name, price) in enumerate(ITEMS, start=1):
            self.items.append(self._item(number, sku, name, price, created))
        self.billable = [c for c in self.customers if c["Active"]]

    # ---- names ---------------------------------------------------------------------------
    def _customer(self, company: Client, name: str, created: float) -> dict:
        number = len(self.customers) + 1
        when = stamp(created + number * 60)
        return {
            "Id": str(number),
            "SyncToken": "0",
            "MetaData": {"CreateTime": when, "LastUpdatedTime": when},
            "DisplayName": name,
            "CompanyName": company.name,
            "FullyQualifiedName": name,
            "PrintOnCheckName": company.name,
            "GivenName": company.contact_name.split()[0],
            "FamilyName": company.contact_name.split()[-1],
            "PrimaryEmailAddr": {"Address": company.billing_email},
            "PrimaryPhone": {"FreeFormNumber": company.phone},
            "WebAddr": {"URI": company.website},
            "BillAddr": {
                "Id": str(1000 + number),
                "Line1": company.street,
                "City": company.city,
                "CountrySubDivisionCode": company.state,
                "PostalCode": company.postal_code,
                "Country": company.country,
            },
            "Active": True,
            "Job": False,
            "BillWithParent": False,
            "Taxable": True,
            "Balance": 0,
            "BalanceWithJobs": 0,
            "CurrencyRef": {"value": "AUD", "name": "Australian Dollar"},
            "PreferredDeliveryMethod": "Email",
            "domain": "QBO",
            "sparse": False,
        }

    def _walk_in(self, created: float) -> dict:
        """An old, inactive customer with no email: QuickBooks books have these."""
        number = len(self.customers) + 1
        when = stamp(created + number * 60)
        return {
            "Id": str(number),
            "SyncToken": "3",
            "MetaData": {"CreateTime": when, "LastUpdatedTime": when},
            "DisplayName": "Cash Sales (inactive)",
            "FullyQualifiedName": "Cash Sales (inactive)",
            "PrintOnCheckName": "Cash Sales",
            "Active": False,
            "Job": False,
            "BillWithParent": False,
            "Taxable": False,
            "Balance": 0,
            "BalanceWithJobs": 0,
            "CurrencyRef": {"value": "AUD", "name": "Australian Dollar"},
            "domain": "QBO",
            "sparse": False,
        }

    def _item(self, number: int, sku: str, name: str, price: Decimal, created: float) -> dict:
        when = stamp(created + number * 30)
        return {
            "Id": str(number),
            "SyncToken": "0",
            "MetaData": {"CreateTime": when, "LastUpdatedTime": when},
            "Name": name,
            "Sku": sku,
            "Description": name,
            "FullyQualifiedName": name,
            "Active": True,
            "Taxable": True,
            "UnitPrice": float(price),
            "Type": "Service",
            "IncomeAccountRef": {"value": "79", "name": "Sales of Product Income"},
            "TrackQtyOnHand": False,
            "domain": "QBO",
            "sparse": False,
        }

    def names(self, entity: str) -> list[dict]:
        return self.customers if entity == "Customer" else self.items

    # ---- invoices ------------------------------------------------------------------------
    def base_updated(self, index: int) -> float:
        return self.anchor - (self.invoice_count - 1 - index) * self.step

    def updated(self, index: int) -> float:
        if index in self.deleted:
            return self.deleted[index]
        return self.override_updated.get(index, self.base_updated(index) if index < self.invoice_count else 0)

    def live_indices(self) -> range | list[int]:
        """Invoice indices not deleted, in Id order (a range while nothing is deleted)."""
        if not self.deleted:
            return range(self.total)
        return [i for i in range(self.total) if i not in self.deleted]

    def invoice(self, index: int) -> dict:
        if index in self.overrides:
            return self.overrides[index]
        return self.generate(index)

    def index_of(self, invoice_id: str) -> int | None:
        if not invoice_id.isdigit():
            return None
        index = int(invoice_id) - 1
        return index if 0 <= index < self.total and index not in self.deleted else None

    def generate(self, index: int) -> dict:
        rnd = random.Random(self.seed_number * 10_000_019 + index)  # an int seeds much faster than a str
        updated = self.base_updated(index)
        issued = (datetime.fromtimestamp(updated, tz=QBO_ZONE) - timedelta(hours=3)).date()
        customer = self.billable[rnd.randrange(len(self.billable))]
        due = issued + timedelta(days=rnd.choice((14, 30, 30)))
        lines = self.lines(rnd, 3)
        total = self.totals(lines)[2]
        balance = self._balance(rnd, (self.anchor_day - issued).days, total)
        invoice = self.assemble(index, customer, issued, due, lines, balance, updated, updated)
        if rnd.random() < 0.01:
            self.void_in_place(invoice)
        return invoice

    @staticmethod
    def _balance(rnd: random.Random, age_days: int, total: Decimal) -> Decimal:
        """Old invoices are mostly paid, recent ones mostly open; a few are part-paid."""
        roll = rnd.random()
        paid_share = 0.88 if age_days > 45 else 0.25
        if roll < paid_share:
            return Decimal(0)
        if roll < paid_share + 0.05:
            return (total / 2).quantize(CENT)
        return total

    def lines(self, rnd: random.Random, count: int) -> list[dict]:
        lines = []
        for number, item in enumerate(rnd.sample(self.items, count), start=1):
            quantity = Decimal(rnd.randint(1, 40))
            price = Decimal(str(item["UnitPrice"]))
            lines.append(
                {
                    "Id": str(number),
                    "LineNum": number,
                    "Description": item["Description"],
                    "Amount": money(quantity * price),
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {
                        "ItemRef": {"value": item["Id"], "name": item["Name"]},
                        "UnitPrice": float(price),
                        "Qty": float(quantity),
                        "TaxCodeRef": {"value": "TAX"},
                    },
                }
            )
        return lines

    @staticmethod
    def totals(lines: list[dict]) -> tuple[Decimal, Decimal, Decimal]:
        subtotal = sum((Decimal(str(line["Amount"])) for line in lines), Decimal(0))
        tax = (subtotal * TAX_RATE).quantize(CENT, rounding=ROUND_HALF_UP)
        return subtotal, tax, subtotal + tax

    def assemble(self, index, customer, issued, due, lines, balance, created, updated) -> dict:
        subtotal, tax, total = self.totals(lines)
        sub_line = {"Amount": money(subtotal), "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}}
        return {
            "Id": str(index + 1),
            "SyncToken": "0",
            "MetaData": {"CreateTime": stamp(created), "LastUpdatedTime": stamp(updated)},
            "DocNumber": str(1001 + index),
            "TxnDate": issued.isoformat(),
            "DueDate": due.isoformat(),
            "CurrencyRef": {"value": "AUD", "name": "Australian Dollar"},
            "CustomerRef": {"value": customer["Id"], "name": customer["DisplayName"]},
            "BillEmail": {"Address": (customer.get("PrimaryEmailAddr") or {}).get("Address", "")},
            "Line": [*lines, sub_line],
            "TxnTaxDetail": {"TotalTax": money(tax)},
            "TotalAmt": money(total),
            "Balance": money(balance),
            "EmailStatus": "EmailSent",
            "PrintStatus": "NotSet",
            "SalesTermRef": {"value": "3", "name": "Net 30"},
            "LinkedTxn": [{"TxnId": f"P{index + 1}", "TxnType": "Payment"}] if balance < total else [],
            "ApplyTaxAfterDiscount": False,
            "AllowOnlineCreditCardPayment": False,
            "AllowOnlineACHPayment": False,
            "domain": "QBO",
            "sparse": False,
        }

    @staticmethod
    def void_in_place(invoice: dict) -> dict:
        """What QBO does on void: amounts become zero, lines stay, a note says so."""
        for line in invoice["Line"]:
            line["Amount"] = 0.0
            if "SalesItemLineDetail" in line:
                line["SalesItemLineDetail"] = {**line["SalesItemLineDetail"], "Qty": 0.0, "UnitPrice": 0.0}
        invoice.update(TotalAmt=0.0, Balance=0.0, TxnTaxDetail={"TotalTax": 0.0}, PrivateNote="Voided", LinkedTxn=[])
        return invoice

    # ---- changes (the API's writes, tests and the benchmark) -------------------------------
    def touch(self, index: int, invoice: dict, now: float) -> dict:
        invoice["MetaData"] = {**invoice["MetaData"], "LastUpdatedTime": stamp(now)}
        invoice["SyncToken"] = str(int(invoice["SyncToken"]) + 1)
        self.overrides[index] = invoice
        self.override_updated[index] = now
        return invoice

    def copy(self, index: int) -> dict:
        invoice = dict(self.invoice(index))
        invoice["Line"] = [dict(line) for line in invoice["Line"]]
        return invoice

    def change_invoice(self, index: int, now: float) -> dict:
        """The first line's quantity goes up by one (the client added a seat)."""
        invoice = self.copy(index)
        line = invoice["Line"][0]
        detail = dict(line["SalesItemLineDetail"])
        detail["Qty"] += 1
        line["SalesItemLineDetail"] = detail
        line["Amount"] = money(Decimal(str(detail["Qty"])) * Decimal(str(detail["UnitPrice"])))
        return self.touch(index, self.recompute(invoice), now)

    def recompute(self, invoice: dict) -> dict:
        sales = [line for line in invoice["Line"] if line["DetailType"] == "SalesItemLineDetail"]
        subtotal, tax, total = self.totals(sales)
        paid = Decimal(str(invoice.get("TotalAmt", 0))) - Decimal(str(invoice.get("Balance", 0)))
        for line in invoice["Line"]:
            if line["DetailType"] == "SubTotalLineDetail":
                line["Amount"] = money(subtotal)
        invoice.update(TxnTaxDetail={"TotalTax": money(tax)}, TotalAmt=money(total))
        invoice["Balance"] = money(max(Decimal(0), total - paid))
        return invoice

    def void_invoice(self, index: int, now: float) -> dict:
        return self.touch(index, self.void_in_place(self.copy(index)), now)

    def delete_invoice(self, index: int, now: float) -> None:
        self.overrides.pop(index, None)
        self.override_updated.pop(index, None)
        self.deleted[index] = now

    def add_invoice(self, customer: dict, body: dict, now: float) -> dict:
        """A new invoice from an API create (the body is already validated)."""
        index = self.total
        self.total += 1
        lines = [dict(line, Id=str(n), LineNum=n) for n, line in enumerate(body["Line"], start=1)]
        today = datetime.fromtimestamp(now, tz=QBO_ZONE).date()
        issued = date.fromisoformat(body["TxnDate"]) if body.get("TxnDate") else today
        due = date.fromisoformat(body["DueDate"]) if body.get("DueDate") else issued + timedelta(days=30)
        total = self.totals(lines)[2]
        invoice = self.assemble(index, customer, issued, due, lines, total, now, now)
        invoice["DocNumber"] = body.get("DocNumber") or invoice["DocNumber"]
        invoice["EmailStatus"] = "NotSet"
        invoice["SyncToken"] = "-1"  # touch() makes it "0"
        if body.get("PrivateNote"):
            invoice["PrivateNote"] = str(body["PrivateNote"])
        return self.touch(index, invoice, now)

    def doc_number_taken(self, number: str) -> bool:
        if any(invoice["DocNumber"] == number for invoice in self.overrides.values()):
            return True
        index = int(number) - 1001 if number.isdigit() else -1
        return 0 <= index < self.invoice_count and index not in self.deleted and index not in self.overrides

    def changed_invoices(self, since: float) -> list[int]:
        """Invoice indices (live or deleted) updated after `since`, oldest change first."""
        first = bisect_right(range(self.invoice_count), since, key=self.base_updated)
        chosen = {i for i in range(first, self.invoice_count) if i not in self.override_updated}
        chosen.difference_update(self.deleted)
        chosen.update(i for i, at in self.override_updated.items() if at > since)
        chosen.update(i for i, at in self.deleted.items() if at > since)
        return sorted(chosen, key=lambda i: (self.updated(i), i))
