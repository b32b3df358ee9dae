"""SuperOps rows → neutral records: JSON-scalar associations (objects or JSON strings) read as
data, ids beyond 2^53 kept digit for digit, `hasMore: null` read as the last page, statuses read
by their words, money as Decimal."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from billingone.integrations.base import UnexpectedAnswer
from billingone.integrations.providers.superops import mapping
from billingone.integrations.providers.superops.client import has_more
from billingone.integrations.records import InvoiceStatus

TODAY = date(2026, 11, 27)
BIG = 9_007_199_254_740_993  # 2^53 + 1: the first integer a double cannot hold


def invoice(**changes) -> dict:
    row = {
        "invoiceId": "7205759403792793600",
        "displayId": "INV-10001",
        "client": {"accountId": 6917529027641081856, "name": "Cedar Dental"},
        "invoiceDate": "2026-11-01T09:00:00",
        "dueDate": "2026-12-01T09:00:00",
        "statusEnum": "SENT",
        "totalAmount": 110.0,
        "paymentDate": None,
        "taxes": [{"taxAmount": 10.0}],
        "items": [{"itemId": "1", "details": "Remote support block (10 hours)", "quantity": 1.0, "unitPrice": 100.0,
                   "amount": 100.0, "billedDate": "2026-11-01T09:00:00"}],
    }  # fmt: skip
    return {**row, **changes}


def test_has_more_null_is_the_last_page():
    assert has_more({"hasMore": True}) is True
    assert has_more({"hasMore": None}) is False
    assert has_more({"hasMore": False}) is False
    assert has_more({}) is False


def test_an_id_beyond_2_53_arrives_as_an_unquoted_number_and_stays_exact():
    raw = '{"client": {"accountId": %d, "name": "Cedar Dental"}}' % BIG  # noqa: UP031 - the wire text
    parsed = json.loads(raw)
    record = mapping.invoice_record(invoice(client=parsed["client"]), TODAY)
    assert record.customer_id == "9007199254740993"
    assert float(BIG) == 9007199254740992.0  # what a double-based reader would have made of it


def test_an_id_that_arrives_as_a_float_is_refused_rather_than_rounded():
    with pytest.raises(UnexpectedAnswer, match="floating-point"):
        mapping.invoice_record(invoice(client={"accountId": 9.007199254740992e15, "name": "x"}), TODAY)


def test_json_scalar_associations_as_json_strings_are_parsed():
    client = json.dumps({"accountId": BIG, "name": "Cedar Dental"})
    record = mapping.invoice_record(invoice(client=client), TODAY)
    assert (record.customer_id, record.customer_name) == ("9007199254740993", "Cedar Dental")
    contact = json.dumps({"name": "Sam", "email": "sam@cedardental.com.au"})
    customer = mapping.customer_record({"accountId": "42", "name": "Cedar", "primaryContact": contact})
    assert customer.email == "sam@cedardental.com.au" and customer.domains == ("cedardental.com.au",)
    assert mapping.association("not json") == {} and mapping.association(None) == {}


def test_client_domains_leave_mailbox_providers_out():
    row = {"accountId": "42", "name": "Cedar", "emailDomains": ["CedarDental.com.au", "gmail.com", "@cedar.net"],
           "primaryContact": {"email": "owner@outlook.com"}, "status": "Paid", "stage": {"name": "Active"}}  # fmt: skip
    record = mapping.customer_record(row)
    assert record.domains == ("cedardental.com.au", "cedar.net") and record.source_status == "Paid · Active"
    assert mapping.customer_record({**row, "status": "Inactive"}).active is False


def test_invoice_with_items_taxes_and_money_as_decimal():
    record = mapping.invoice_record(invoice(), TODAY)
    assert (record.external_id, record.number) == ("7205759403792793600", "INV-10001")
    assert (record.total, record.tax, record.subtotal) == (Decimal("110.0"), Decimal("10.0"), Decimal("100.0"))
    assert record.status == InvoiceStatus.SUBMITTED and record.amount_due == Decimal("110.0")
    (line,) = record.lines
    assert line.description == "Remote support block (10 hours)" and line.amount == Decimal("100.0")
    assert line.period_start == date(2026, 11, 1)
    assert record.currency == "" and mapping.invoice_record(invoice(), TODAY, currency="NZD").currency == "NZD"


@pytest.mark.parametrize(
    ("status", "payment", "due", "expected"),
    [
        ("PAID", "2026-11-10T00:00:00", "2026-12-01", InvoiceStatus.PAID),
        ("Paid", None, "2026-12-01", InvoiceStatus.PAID),
        ("PARTIALLY_PAID", None, "2026-12-01", InvoiceStatus.SUBMITTED),
        ("PARTIALLY_PAID", None, "2026-11-01", InvoiceStatus.OVERDUE),
        ("UNPAID", None, "2026-12-01", InvoiceStatus.SUBMITTED),
        ("SENT", None, "2026-11-20", InvoiceStatus.OVERDUE),
        ("VOID", None, "2026-11-01", InvoiceStatus.VOIDED),
        ("DRAFT", None, "2026-11-01", InvoiceStatus.DRAFT),
        ("", "2026-11-10T00:00:00", "2026-12-01", InvoiceStatus.PAID),
    ],
)
def test_statuses_read_by_their_words(status, payment, due, expected):
    record = mapping.invoice_record(invoice(statusEnum=status, paymentDate=payment, dueDate=due), TODAY)
    assert record.status == expected and record.source_status == status
    if expected == InvoiceStatus.PAID:
        assert record.amount_due == 0 and record.amount_paid == record.total


def test_an_invoice_without_an_id_is_an_unexpected_answer():
    with pytest.raises(UnexpectedAnswer):
        mapping.invoice_record(invoice(invoiceId=None), TODAY)
