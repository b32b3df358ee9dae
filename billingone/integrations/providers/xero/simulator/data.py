"""The Xero simulator's data: a deterministic, lazily generated set of contacts and invoices.

Invoice i of a tenant is computed from (seed, i) on demand, so 100,000 invoices cost no
memory until someone changes them; changed, voided and new invoices live in `overrides`.
Base invoices are ordered in time: the higher the index, the later UpdatedDateUTC, which
keeps `If-Modified-Since` a bisect instead of a scan.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from simulators.dataset import (
    SHOWCASE,
    SHOWCASE_ANNUAL_MONTHS_AGO,
    SHOWCASE_CLIENTS,
    SHOWCASE_UNBOOKED,
    Client,
    clients,
    months_ago,
)

DAY_MS = 86_400_000
SPAN_DAYS = 365
TAX_RATE = Decimal("0.10")
CENT = Decimal("0.01")

# What an MSP bills: the Pax8 catalogue's products (item codes match the accounting items).
PRODUCTS = (
    ("M365-BP", "Microsoft 365 Business Premium", Decimal("33.00")),
    ("M365-BS", "Microsoft 365 Business Standard", Decimal("18.70")),
    ("M365-E3", "Microsoft 365 E3", Decimal("56.10")),
    ("EXO-P1", "Exchange Online (Plan 1)", Decimal("6.60")),
    ("DEF-EP", "Microsoft Defender for Endpoint P1", Decimal("4.40")),
    ("ACR-CP", "Acronis Cyber Protect Cloud", Decimal("12.50")),
    ("MSP-MS", "Managed services - per user", Decimal("45.00")),
    ("AZ-CONS", "Azure consumption", Decimal("120.00")),
)
SUPPLIERS = ("Pax8 Australia", "Telstra Business", "Dicker Data", "Synergy Wholesale", "Officeworks")
NAME_SUFFIXES = (" Pty Ltd", " Ltd", " Pty. Ltd.", " Inc.")


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def ms_date(value: int, offset: bool = True) -> str:
    """Xero's MS-JSON date: /Date(1539993600000+0000)/."""
    return f"/Date({value}+0000)/" if offset else f"/Date({value})/"


def stable_uuid(*parts: object) -> str:
    digest = hashlib.sha256("|".join(str(part) for part in parts).encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def money(value: Decimal) -> float:
    return float(value.quantize(CENT, rounding=ROUND_HALF_UP))


@dataclass
class Contact:
    index: int
    contact_id: str
    name: str
    email: str
    updated_ms: int
    is_supplier: bool = False
    company: Client | None = None

    def to_json(self) -> dict:
        first, _, last = ("Accounts Team" if self.is_supplier else "Billing Contact").partition(" ")
        return {
            "ContactID": self.contact_id,
            "ContactNumber": f"C{self.index + 1:05d}",
            "ContactStatus": "ACTIVE",
            "Name": self.name,
            "FirstName": first,
            "LastName": last,
            "EmailAddress": self.email,
            "Addresses": [{"AddressType": "STREET", "City": "Brisbane", "Region": "QLD", "Country": "Australia"}],
            "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": f"07 3{self.index:03d} {self.index % 10000:04d}"}],
            "IsSupplier": self.is_supplier,
            "IsCustomer": not self.is_supplier,
            "DefaultCurrency": "AUD",
            "UpdatedDateUTC": ms_date(self.updated_ms),
            "ContactGroups": [],
            "HasAttachments": False,
            "HasValidationErrors": False,
        }


def contact_name(company: Client, rnd: random.Random) -> str:
    """How the MSP's bookkeeper typed the client's name: often the same, sometimes not quite."""
    roll = rnd.random()
    if roll < 0.50:
        return company.name
    if roll < 0.70:
        return company.short_name
    if roll < 0.80:
        return company.short_name + rnd.choice(NAME_SUFFIXES)
    if roll < 0.92:
        return company.name.upper()
    return "The " + company.name.split()[0] + " Group"  # a trading name: only the email domain matches


@dataclass
class Dataset:
    """One Xero organisation's contacts and invoices."""

    seed: str
    invoice_count: int
    company_count: int
    anchor: datetime
    company_seed: int = (
        1  # simulators.dataset seed: the same clients as the Pax8 simulator  # the latest base UpdatedDateUTC
    )
    contacts: list[Contact] = field(default_factory=list)
    overrides: dict[int, dict] = field(default_factory=dict)  # index -> invoice JSON (changed/new)
    override_updated: dict[int, int] = field(default_factory=dict)
    total: int = 0
    showcase: bool = False  # the demo's reconciliation story (simulators/dataset.py SHOWCASE)
    credit_notes: dict[str, dict] = field(default_factory=dict)  # CreditNoteID -> credit note (created by clients)

    def __post_init__(self) -> None:
        self.total = self.invoice_count
        self.step_ms = max(1, SPAN_DAYS * DAY_MS // max(1, self.invoice_count))
        self.anchor_ms = ms(self.anchor)
        rnd = random.Random(f"{self.seed}:contacts")
        for company in clients(self.company_seed, self.company_count):
            skipped = rnd.random() < 0.08  # a Pax8 company nobody set up in Xero yet: stays unmapped
            if self.showcase and company.index in SHOWCASE_CLIENTS:
                skipped = company.index in SHOWCASE_UNBOOKED
            if skipped:
                continue
            name = contact_name(company, rnd)
            if self.showcase and company.index in SHOWCASE_CLIENTS:
                name = company.name  # the story's clients are spelled alike in both systems
            self._add_contact(name, company.billing_email, company=company)
        for name in SUPPLIERS:
            slug = name.lower().replace(" ", "")
            self._add_contact(name, f"billing@{slug}.com.au", supplier=True)
        self.customers = [contact for contact in self.contacts if not contact.is_supplier]
        self.suppliers = [contact for contact in self.contacts if contact.is_supplier]
        if self.showcase:
            self._add_showcase_invoices()

    def _add_contact(self, name: str, email: str, *, company: Client | None = None, supplier: bool = False) -> None:
        index = len(self.contacts)
        updated = self.anchor_ms - (SPAN_DAYS + 30) * DAY_MS + index * 60_000
        contact_id = stable_uuid(self.seed, "contact", index)
        self.contacts.append(Contact(index, contact_id, name, email, updated, supplier, company))

    # ---- invoices --------------------------------------------------------------------------
    def base_updated_ms(self, index: int) -> int:
        return self.anchor_ms - (self.invoice_count - 1 - index) * self.step_ms

    def updated_ms(self, index: int) -> int:
        return self.override_updated.get(index, self.base_updated_ms(index) if index < self.invoice_count else 0)

    def invoice(self, index: int) -> dict:
        if index in self.overrides:
            return self.overrides[index]
        return self.generate(index)

    def generate(self, index: int, updated_ms: int | None = None, issued: date | None = None) -> dict:
        rnd = random.Random(f"{self.seed}:invoice:{index}")
        updated = self.base_updated_ms(index) if updated_ms is None else updated_ms
        issued = issued or (datetime.fromtimestamp(updated / 1000, tz=UTC) - timedelta(hours=2)).date()
        is_bill = rnd.random() < 0.04
        contact = rnd.choice(self.suppliers if is_bill else self.customers)
        if self.showcase and contact.company is not None and contact.company.index in SHOWCASE_CLIENTS:
            contact = self._others[index % len(self._others)]  # the story's clients get only its invoices
        due = issued + timedelta(days=rnd.choice((14, 14, 30)))
        age = (self.anchor.date() - issued).days
        status = self._status(rnd, age)
        lines = self._lines(rnd, index)
        return self._assemble(index, contact, issued, due, status, lines, updated, is_bill)

    @staticmethod
    def _status(rnd: random.Random, age_days: int) -> str:
        roll = rnd.random()
        if age_days <= 14:
            table = ((0.15, "DRAFT"), (0.25, "SUBMITTED"), (0.88, "AUTHORISED"), (1.0, "PAID"))
        elif age_days <= 45:
            table = ((0.60, "PAID"), (0.95, "AUTHORISED"), (1.0, "VOIDED"))
        else:
            table = ((0.88, "PAID"), (0.95, "AUTHORISED"), (1.0, "VOIDED"))
        return next(status for limit, status in table if roll < limit)

    def _lines(self, rnd: random.Random, index: int) -> list[dict]:
        lines = []
        for number, (code, name, price) in enumerate(rnd.sample(PRODUCTS, rnd.randint(1, 3))):
            quantity = Decimal(rnd.randint(1, 40)) if code != "AZ-CONS" else Decimal(1)
            amount = (quantity * price).quantize(CENT)
            lines.append(
                {
                    "LineItemID": stable_uuid(self.seed, "line", index, number),
                    "Description": name,
                    "Quantity": float(quantity),
                    "UnitAmount": float(price),
                    "ItemCode": code,
                    "AccountCode": "200",
                    "TaxType": "OUTPUT",
                    "TaxAmount": money(amount * TAX_RATE),
                    "LineAmount": money(amount),
                    "Tracking": [],
                }
            )
        return lines

    def _assemble(self, index, contact, issued, due, status, lines, updated, is_bill) -> dict:
        subtotal = sum(Decimal(str(line["LineAmount"])) for line in lines)
        tax = sum(Decimal(str(line["TaxAmount"])) for line in lines)
        total = subtotal + tax
        paid = total if status == "PAID" else Decimal(0)
        due_amount = Decimal(0) if status in ("PAID", "VOIDED", "DELETED") else total - paid
        issued_ms = ms(datetime(issued.year, issued.month, issued.day, tzinfo=UTC))
        due_ms = ms(datetime(due.year, due.month, due.day, tzinfo=UTC))
        invoice = {
            "Type": "ACCPAY" if is_bill else "ACCREC",
            "InvoiceID": stable_uuid(self.seed, "invoice", index),
            "InvoiceNumber": f"{'BILL' if is_bill else 'INV'}-{index + 1:06d}",
            "Reference": f"MSP {issued:%b-%Y}",
            "Contact": {"ContactID": contact.contact_id, "Name": contact.name},
            "Date": ms_date(issued_ms),
            "DateString": f"{issued:%Y-%m-%d}T00:00:00",
            "DueDate": ms_date(due_ms),
            "DueDateString": f"{due:%Y-%m-%d}T00:00:00",
            "LineAmountTypes": "Exclusive",
            "LineItems": lines,
            "Status": status,
            "CurrencyCode": "AUD",
            "CurrencyRate": 1.0,
            "SubTotal": money(subtotal),
            "TotalTax": money(tax),
            "Total": money(total),
            "TotalDiscount": 0.0,
            "AmountDue": money(due_amount),
            "AmountPaid": money(paid),
            "AmountCredited": 0.0,
            "SentToContact": status in ("AUTHORISED", "PAID"),
            "HasAttachments": False,
            "IsDiscounted": False,
            "HasErrors": False,
            "Payments": [],
            "CreditNotes": [],
            "Prepayments": [],
            "Overpayments": [],
            "UpdatedDateUTC": ms_date(updated),
            "UpdatedDateUTCString": datetime.fromtimestamp(updated / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if status == "PAID":
            invoice["FullyPaidOnDate"] = ms_date(min(due_ms, updated))
        return invoice

    def _add_showcase_invoices(self) -> None:
        """This month's invoice (and last month's) of each story client, billing what the story
        says; an annual licence is invoiced once, when its term started."""
        self._others = [c for c in self.customers if c.company is None or c.company.index not in SHOWCASE_CLIENTS]
        prices = {code: price for code, _, price in PRODUCTS}
        by_client = {c.company.index: c for c in self.customers if c.company is not None}
        today = self.anchor.date()
        for client_index in sorted(SHOWCASE_CLIENTS - SHOWCASE_UNBOOKED):
            licences = [licence for licence in SHOWCASE if licence.client_index == client_index]
            monthly = [(lic, prices[lic.item_code]) for lic in licences if lic.term == "Monthly"]
            annual = [(lic, prices[lic.item_code] * 12) for lic in licences if lic.term == "Annual"]
            for months, status in ((1, "PAID"), (0, "AUTHORISED")):
                if monthly:
                    self._add_story_invoice(by_client[client_index], months_ago(today, months), status, monthly)
            if annual:
                issued = months_ago(today, SHOWCASE_ANNUAL_MONTHS_AGO)
                self._add_story_invoice(by_client[client_index], issued, "PAID", annual)

    def _add_story_invoice(self, contact: Contact, issued: date, status: str, licences: list) -> None:
        index = self.total
        self.total += 1
        lines = []
        for number, (licence, price) in enumerate(licences):
            amount = (Decimal(licence.billed) * price).quantize(CENT)
            lines.append(
                {
                    "LineItemID": stable_uuid(self.seed, "story-line", index, number),
                    "Description": licence.product,
                    "Quantity": float(licence.billed),
                    "UnitAmount": float(price),
                    "ItemCode": licence.item_code,
                    "AccountCode": "200",
                    "TaxType": "OUTPUT",
                    "TaxAmount": money(amount * TAX_RATE),
                    "LineAmount": money(amount),
                    "Tracking": [],
                }
            )
        updated = min(ms(datetime(issued.year, issued.month, issued.day, 6, tzinfo=UTC)), self.anchor_ms)
        due = issued + timedelta(days=14)
        invoice = self._assemble(index, contact, issued, due, status, lines, updated, False)
        self.overrides[index] = invoice
        self.override_updated[index] = updated

    # ---- changes (tests and the benchmark drive these) -------------------------------------
    def _touch(self, index: int, invoice: dict, now_ms: int) -> dict:
        invoice["UpdatedDateUTC"] = ms_date(now_ms)
        invoice["UpdatedDateUTCString"] = datetime.fromtimestamp(now_ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.overrides[index] = invoice
        self.override_updated[index] = now_ms
        return invoice

    def change_invoice(self, index: int, now_ms: int) -> dict:
        """A line's quantity goes up by one (the client added a seat)."""
        invoice = dict(self.invoice(index))
        lines = [dict(line) for line in invoice["LineItems"]]
        line = lines[0]
        line["Quantity"] = line["Quantity"] + 1
        amount = Decimal(str(line["Quantity"])) * Decimal(str(line["UnitAmount"]))
        line["LineAmount"], line["TaxAmount"] = money(amount), money(amount * TAX_RATE)
        subtotal = sum(Decimal(str(item["LineAmount"])) for item in lines)
        tax = sum(Decimal(str(item["TaxAmount"])) for item in lines)
        invoice.update(LineItems=lines, SubTotal=money(subtotal), TotalTax=money(tax), Total=money(subtotal + tax))
        if invoice["Status"] not in ("PAID", "VOIDED"):
            invoice["AmountDue"] = invoice["Total"]
        return self._touch(index, invoice, now_ms)

    def void_invoice(self, index: int, now_ms: int) -> dict:
        invoice = dict(self.invoice(index))
        invoice.update(Status="VOIDED", AmountDue=0.0, AmountPaid=0.0, SentToContact=False)
        invoice.pop("FullyPaidOnDate", None)
        return self._touch(index, invoice, now_ms)

    def set_status(self, index: int, status: str, now_ms: int) -> dict:
        invoice = dict(self.invoice(index))
        invoice["Status"] = status
        return self._touch(index, invoice, now_ms)

    def add_invoice(self, now_ms: int) -> dict:
        index = self.total
        self.total += 1
        issued = datetime.fromtimestamp(now_ms / 1000, tz=UTC).date()
        invoice = self.generate(index, updated_ms=now_ms, issued=issued)
        invoice["Status"] = "AUTHORISED"
        invoice["Type"] = "ACCREC"
        invoice["AmountDue"], invoice["AmountPaid"] = invoice["Total"], 0.0
        customer = self.customers[index % len(self.customers)]
        invoice["Contact"] = {"ContactID": customer.contact_id, "Name": customer.name}
        invoice["InvoiceNumber"] = f"INV-{index + 1:06d}"
        return self._touch(index, invoice, now_ms)

    def add_pushed_invoice(self, contact, issued: date, due: date, status: str, lines: list, body: dict, now_ms: int):
        """An invoice a client created (writes.py): stored like a changed one, so reads return it."""
        index = self.total
        self.total += 1
        invoice = self._assemble(index, contact, issued, due, status, lines, now_ms, False)
        invoice.update(Reference=str(body.get("Reference") or ""), CurrencyCode=str(body.get("CurrencyCode") or "AUD"))
        invoice.update(SentToContact=False, AmountPaid=0.0)
        return self._touch(index, invoice, now_ms)

    def add_credit_note(self, contact, issued: date, status: str, lines: list, body: dict, now_ms: int) -> dict:
        from billingone.integrations.providers.xero.simulator.writes import credit_note

        note = credit_note(self.seed, len(self.credit_notes), contact, issued, status, lines, body)
        note["UpdatedDateUTC"] = ms_date(now_ms)
        self.credit_notes[note["CreditNoteID"]] = note
        return note

    def index_of(self, invoice_id: str) -> int | None:
        if getattr(self, "_ids", None) is None or len(self._ids) < self.total:
            self._ids = {stable_uuid(self.seed, "invoice", i): i for i in range(self.total)}
        return self._ids.get(invoice_id)

    def indices_since(self, since_ms: int | None) -> list[int]:
        """Every invoice index modified at or after `since_ms` (all when None), in index order."""
        if since_ms is None:
            return list(range(self.total))
        first = bisect_left(range(self.invoice_count), since_ms, key=self.base_updated_ms)
        chosen = {i for i in range(first, self.invoice_count) if i not in self.override_updated}
        chosen.update(i for i, updated in self.override_updated.items() if updated >= since_ms)
        return sorted(chosen)
