"""Invoice writes (PROVIDERS.md §3.5): create, update with a SyncToken check, void and delete.
Validation answers with QBO's documented Fault codes: 2020 required field, 2500 invalid
reference (a customer, item or tax code it does not have),
5010 stale object (SyncToken), 6140 duplicate document number, 610 not found."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from billingone.integrations.providers.quickbooks.simulator.data import money

if TYPE_CHECKING:
    from billingone.integrations.providers.quickbooks.simulator.sim import QuickBooksSimulator

TAX_CODES = {"TAX", "NON"}  # a US company's sales tax codes (TaxCodeRef)


def apply_write(sim: QuickBooksSimulator, realm_id: str, body: dict, operation: str) -> dict:
    from billingone.integrations.providers.quickbooks.simulator.sim import REQUIRED, ApiFault, deleted_stub

    if not isinstance(body, dict):
        raise ApiFault(400, "2020", REQUIRED, "Invoice body")
    books = sim.company(realm_id).books
    if operation in ("void", "delete") or body.get("Id"):
        index = books.index_of(str(body.get("Id", "")))
        if index is None:
            raise ApiFault(400, "610", "Object Not Found", f"Object Not Found : Invoice {str(body.get('Id'))[:20]}")
        current = books.invoice(index)
        if str(body.get("SyncToken")) != current["SyncToken"]:
            raise ApiFault(
                400,
                "5010",
                "Stale Object Error",
                f"Stale Object Error : the SyncToken is {current['SyncToken']}",
            )
        if operation == "void":
            return sim.void_invoice(index, realm_id)
        if operation == "delete":
            sim.delete_invoice(index, realm_id)
            return deleted_stub(current["Id"], sim.now_stamp())
        return update(sim, realm_id, index, body)
    return create(sim, realm_id, body)


def checked_lines(sim: QuickBooksSimulator, realm_id: str, lines: object) -> list[dict]:
    from billingone.integrations.providers.quickbooks.simulator.sim import REQUIRED, ApiFault

    if not isinstance(lines, list) or not lines:
        raise ApiFault(400, "2020", REQUIRED, "Line")
    items = {item["Id"]: item for item in sim.company(realm_id).books.items}
    result = []
    for line in lines:
        if not isinstance(line, dict) or line.get("DetailType") != "SalesItemLineDetail":
            continue  # subtotal lines are recomputed; other kinds are not simulated
        detail = dict(line.get("SalesItemLineDetail") or {})
        item = items.get(str((detail.get("ItemRef") or {}).get("value", "1")))
        if item is None:
            raise ApiFault(400, "2500", "Invalid Reference Id", "Invalid Reference Id : Item assigned to this line")
        tax_code = (detail.get("TaxCodeRef") or {}).get("value")
        if tax_code is not None and str(tax_code) not in TAX_CODES:
            raise ApiFault(400, "2500", "Invalid Reference Id", f"Invalid Reference Id : TaxCode {str(tax_code)[:20]}")
        try:
            amount = Decimal(str(line["Amount"]))
            quantity = Decimal(str(detail.get("Qty", 1)))
            price = Decimal(str(detail.get("UnitPrice", amount / quantity if quantity else amount)))
        except (KeyError, InvalidOperation, ZeroDivisionError):
            raise ApiFault(400, "2020", REQUIRED, "Line.Amount") from None
        detail.update(ItemRef={"value": item["Id"], "name": item["Name"]}, Qty=float(quantity), UnitPrice=float(price))
        result.append(
            {
                "Description": line.get("Description") or item["Description"],
                "Amount": money(amount),
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": detail,
            }
        )
    if not result:
        raise ApiFault(400, "2020", REQUIRED, "Line")
    return result


def create(sim: QuickBooksSimulator, realm_id: str, body: dict) -> dict:
    from billingone.integrations.providers.quickbooks.simulator.sim import ApiFault

    books = sim.company(realm_id).books
    customer_id = str((body.get("CustomerRef") or {}).get("value", ""))
    customer = next((c for c in books.customers if c["Id"] == customer_id), None)
    if customer is None:
        raise ApiFault(400, "2500", "Invalid Reference Id", "Invalid Reference Id : Customer")
    lines = checked_lines(sim, realm_id, body.get("Line"))
    number = str(body.get("DocNumber") or "")
    if number and books.doc_number_taken(number):
        raise ApiFault(400, "6140", "Duplicate Document Number Error", f"Duplicate Document Number Error : {number}")
    invoice = books.add_invoice(customer, {**body, "Line": lines}, sim.clock())
    sim.changed(realm_id, "Invoice", invoice["Id"], "Create")
    return invoice


def update(sim: QuickBooksSimulator, realm_id: str, index: int, body: dict) -> dict:
    books = sim.company(realm_id).books
    invoice = books.copy(index)
    for key in ("DocNumber", "TxnDate", "DueDate", "PrivateNote", "CustomerMemo", "BillEmail"):
        if key in body:
            invoice[key] = body[key]
    if "Line" in body:
        lines = checked_lines(sim, realm_id, body["Line"])
        numbered = [dict(line, Id=str(n), LineNum=n) for n, line in enumerate(lines, start=1)]
        invoice["Line"] = [*numbered, {"Amount": 0.0, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}}]
        books.recompute(invoice)
    invoice = books.touch(index, invoice, sim.clock())
    sim.changed(realm_id, "Invoice", invoice["Id"], "Update")
    return invoice


def create_credit_memo(sim: QuickBooksSimulator, realm_id: str, body: dict) -> dict:
    """A credit memo for a customer (what a credit note is in QuickBooks), validated like an invoice."""
    from billingone.integrations.providers.quickbooks.simulator.sim import REQUIRED, ApiFault

    if not isinstance(body, dict):
        raise ApiFault(400, "2020", REQUIRED, "CreditMemo body")
    books = sim.company(realm_id).books
    customer_id = str((body.get("CustomerRef") or {}).get("value", ""))
    customer = next((c for c in books.customers if c["Id"] == customer_id), None)
    if customer is None:
        raise ApiFault(400, "2500", "Invalid Reference Id", "Invalid Reference Id : Customer")
    lines = checked_lines(sim, realm_id, body.get("Line"))
    _, tax, total = books.totals(lines)
    memo_id = str(len(books.credit_memos) + 1)  # QuickBooks ids are numbers, per entity
    memo = {
        "Id": memo_id,
        "SyncToken": "0",
        "DocNumber": f"CM-{len(books.credit_memos) + 1:04d}",
        "TxnDate": str(body.get("TxnDate") or ""),
        "CustomerRef": {"value": customer["Id"], "name": customer["DisplayName"]},
        "Line": [dict(line, Id=str(n), LineNum=n) for n, line in enumerate(lines, start=1)],
        "TxnTaxDetail": {"TotalTax": money(tax)},
        "TotalAmt": money(total),
        "RemainingCredit": money(total),
        "EmailStatus": "NotSet",
        "PrivateNote": str(body.get("PrivateNote") or ""),
        "CurrencyRef": {"value": "AUD", "name": "Australian Dollar"},
    }
    books.credit_memos[memo_id] = memo
    return memo
