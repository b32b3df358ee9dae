"""Creating invoices and credit notes (PUT/POST /Invoices, /CreditNotes), as Xero does it:

- `Idempotency-Key`: a repeated key answers what the first request got (once per organisation),
  so a client retrying after a timeout creates one document;
- validation: the contact must exist, each line's ItemCode, AccountCode and TaxType must be
  known; a rejected document is HTTP 400 with a ValidationException whose Elements carry the
  document's ValidationErrors and each line's (the shape of the accounting API's Error schema);
- an invoice is stored like any other (DRAFT unless the body says SUBMITTED/AUTHORISED), so the
  next list or If-Modified-Since read returns it and the invoice viewer shows it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from billingone.integrations.providers.xero.simulator.data import CENT, PRODUCTS, TAX_RATE, money, ms, stable_uuid

ACCOUNT_CODES = {"200": "Sales", "260": "Other Revenue", "270": "Interest Income"}
TAX_TYPES = {"OUTPUT": TAX_RATE, "EXEMPTOUTPUT": Decimal(0), "BASEXCLUDED": Decimal(0), "NONE": Decimal(0)}
ITEM_CODES = {code for code, _, _ in PRODUCTS}
STATUSES = {"DRAFT", "SUBMITTED", "AUTHORISED"}
KINDS = {"invoices": ("Invoices", "ACCREC"), "creditnotes": ("CreditNotes", "ACCRECCREDIT")}


class Rejected(Exception):
    def __init__(self, body: dict):
        super().__init__("validation")
        self.body = body


def validation_body(element: dict) -> dict:
    return {
        "ErrorNumber": 10,
        "Type": "ValidationException",
        "Message": "A validation exception occurred",
        "Elements": [element],
    }


def checked_line(line: object) -> tuple[dict, list[str]]:
    """The stored line and its validation messages."""
    if not isinstance(line, dict):
        return {}, ["A line item must be an object."]
    errors = []
    code, account, tax = (str(line.get(k) or "") for k in ("ItemCode", "AccountCode", "TaxType"))
    if code and code not in ITEM_CODES:
        errors.append(f"Item code '{code}' is not valid.")
    if account and account not in ACCOUNT_CODES:
        errors.append(f"Account code '{account}' is not a valid code for this document.")
    if tax and tax not in TAX_TYPES:
        errors.append(f"The TaxType code '{tax}' does not exist or cannot be used for this type of transaction.")
    try:
        quantity = Decimal(str(line.get("Quantity", 1)))
        unit = Decimal(str(line.get("UnitAmount", 0)))
    except InvalidOperation:
        return {}, [*errors, "Quantity and UnitAmount must be numbers."]
    amount = (quantity * unit).quantize(CENT)
    stored = {
        "Description": str(line.get("Description") or ""),
        "Quantity": float(quantity),
        "UnitAmount": float(unit),
        "ItemCode": code,
        "AccountCode": account or "200",
        "TaxType": tax or "OUTPUT",
        "TaxAmount": money(amount * TAX_TYPES.get(tax or "OUTPUT", Decimal(0))),
        "LineAmount": money(amount),
        "Tracking": [],
    }
    return stored, errors


def parse_day(value: object, fallback: date) -> date:
    try:
        return date.fromisoformat(str(value)[:10]) if value else fallback
    except ValueError:
        return fallback


def create(sim, tenant_id: str, resource: str, body: object) -> dict:
    """Validate and store one document; Rejected with Xero's 400 body when it is not valid."""
    key, kind = KINDS[resource]
    documents = body.get(key) if isinstance(body, dict) else None
    document = documents[0] if isinstance(documents, list) and len(documents) == 1 else None
    if not isinstance(document, dict):
        raise Rejected(validation_body({"ValidationErrors": [{"Message": f"Send one document in {key}."}]}))
    data = sim.tenant(tenant_id).data
    contact_id = str((document.get("Contact") or {}).get("ContactID") or "").lower()
    contact = next((c for c in data.contacts if c.contact_id == contact_id), None)
    errors = [] if contact is not None else [{"Message": "The contact with the specified ContactID does not exist."}]
    status = str(document.get("Status") or "DRAFT").upper()
    if status not in STATUSES:
        errors.append({"Message": f"Status '{status[:20]}' cannot be used when creating a document."})
    lines, answered = [], []
    for line in document.get("LineItems") or []:
        stored, messages = checked_line(line)
        lines.append(stored)
        original = line if isinstance(line, dict) else {}
        answered.append({**original, "ValidationErrors": [{"Message": m} for m in messages]})
        errors.extend({"Message": m} for m in messages)
    if not lines:
        errors.append({"Message": "A document must have at least one line item."})
    if errors:
        raise Rejected(validation_body({**document, "LineItems": answered, "ValidationErrors": errors}))
    today = datetime.fromtimestamp(sim.clock(), tz=UTC).date()
    issued = parse_day(document.get("Date"), today)
    due = parse_day(document.get("DueDate"), issued + timedelta(days=14))
    if kind == "ACCREC":
        return data.add_pushed_invoice(contact, issued, due, status, lines, document, sim.now_ms())
    return data.add_credit_note(contact, issued, status, lines, document, sim.now_ms())


def credit_note(seed: str, number: int, contact, issued: date, status: str, lines: list, document: dict) -> dict:
    subtotal = sum(Decimal(str(line["LineAmount"])) for line in lines)
    tax = sum(Decimal(str(line["TaxAmount"])) for line in lines)
    return {
        "Type": "ACCRECCREDIT",
        "CreditNoteID": stable_uuid(seed, "credit-note", number),
        "CreditNoteNumber": f"CN-{number + 1:04d}",
        "Reference": str(document.get("Reference") or ""),
        "Contact": {"ContactID": contact.contact_id, "Name": contact.name},
        "DateString": f"{issued:%Y-%m-%d}T00:00:00",
        "Date": f"/Date({ms(datetime(issued.year, issued.month, issued.day, tzinfo=UTC))}+0000)/",
        "Status": status,
        "LineAmountTypes": "Exclusive",
        "LineItems": lines,
        "CurrencyCode": str(document.get("CurrencyCode") or "AUD"),
        "SubTotal": money(subtotal),
        "TotalTax": money(tax),
        "Total": money(subtotal + tax),
        "RemainingCredit": money(subtotal + tax),
    }
