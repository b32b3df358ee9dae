"""Reading Xero's JSON: MS-JSON dates, amounts, missing ids (a garbled answer is a clear,
transient error, never a crash)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from billingone.billing.xero_store import invoice_row, parse_date, parse_datetime
from billingone.integrations.base import UnexpectedAnswer


def test_ms_json_and_iso_dates():
    assert parse_datetime("/Date(1539993600000+0000)/") == datetime(2018, 10, 20, tzinfo=UTC)
    assert parse_datetime("/Date(1552326816230)/") == datetime(2019, 3, 11, 17, 53, 36, 230000, tzinfo=UTC)
    assert parse_datetime("/Date(1539993600000+1300)/") == datetime(2018, 10, 20, tzinfo=UTC)  # ms are UTC
    assert parse_datetime("2019-11-14T18:10:38Z") == datetime(2019, 11, 14, 18, 10, 38, tzinfo=UTC)
    assert parse_date("2026-11-01T00:00:00") == date(2026, 11, 1)
    assert parse_date(None) is None and parse_date("") is None
    with pytest.raises(UnexpectedAnswer):
        parse_datetime("next tuesday")


def test_invoice_row_reads_amounts_lines_and_contact():
    row = invoice_row(
        {
            "InvoiceID": "i-1",
            "InvoiceNumber": "INV-1",
            "Status": "AUTHORISED",
            "Total": 110.0,
            "SubTotal": 100,
            "TotalTax": 10,
            "AmountDue": 110.0,
            "Contact": {"ContactID": "c-1", "Name": "Cedar"},
            "Date": "/Date(1539993600000+0000)/",
            "LineItems": [
                {"Description": "M365", "Quantity": 2.5, "UnitAmount": 40, "LineAmount": 100, "ItemCode": "M365-BP"}
            ],
        }
    )
    assert row["total"] == Decimal("110.00") and row["issue_date"] == date(2018, 10, 20)
    assert row["contact_xero_id"] == "c-1" and row["lines"][0]["quantity"] == Decimal("2.5000")


@pytest.mark.parametrize("bad", [{}, {"InvoiceID": "x", "Total": "lots"}, {"InvoiceID": "x", "LineItems": "no"}])
def test_garbled_invoices_are_unexpected_answers(bad):
    with pytest.raises(UnexpectedAnswer):
        invoice_row(bad)
