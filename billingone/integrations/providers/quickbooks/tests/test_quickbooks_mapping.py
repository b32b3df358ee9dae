"""QuickBooks rows → neutral records: status derived the QuickBooks way, amounts, lines, domains."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billingone.integrations.base import UnexpectedAnswer
from billingone.integrations.providers.quickbooks import mapping
from billingone.integrations.records import InvoiceStatus

TODAY = date(2026, 11, 27)


def invoice(**fields) -> dict:
    row = {
        "Id": "42",
        "DocNumber": "1042",
        "TxnDate": "2026-11-01",
        "DueDate": "2026-12-01",
        "CustomerRef": {"value": "7", "name": "Cedar Dental"},
        "CurrencyRef": {"value": "AUD"},
        "TotalAmt": 110.0,
        "Balance": 110.0,
        "TxnTaxDetail": {"TotalTax": 10.0},
        "MetaData": {"LastUpdatedTime": "2026-11-02T10:00:00-08:00"},
        "Line": [
            {
                "Id": "1",
                "Amount": 100.0,
                "Description": "M365 BP x 4",
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": {
                    "ItemRef": {"value": "3", "name": "Microsoft 365 Business Premium"},
                    "Qty": 4,
                    "UnitPrice": 25,
                    "ServiceDate": "2026-11-01",
                },
            },
            {"Amount": 100.0, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}},
        ],
    }
    return {**row, **fields}


@pytest.mark.parametrize(
    ("fields", "status", "word", "paid"),
    [
        ({}, InvoiceStatus.SUBMITTED, "Open", "0"),
        ({"Balance": 0}, InvoiceStatus.PAID, "Paid", "110"),
        ({"Balance": 60}, InvoiceStatus.SUBMITTED, "Partially paid", "50"),
        ({"DueDate": "2026-11-20"}, InvoiceStatus.OVERDUE, "Overdue", "0"),
        ({"DueDate": "2026-11-20", "Balance": 60}, InvoiceStatus.OVERDUE, "Partially paid, overdue", "50"),
        ({"DueDate": "2026-11-27"}, InvoiceStatus.SUBMITTED, "Open", "0"),  # due today is not overdue yet
        ({"TotalAmt": 0, "Balance": 0, "PrivateNote": "Voided"}, InvoiceStatus.VOIDED, "Voided", "0"),
        ({"TotalAmt": 0, "Balance": 0}, InvoiceStatus.PAID, "Paid", "0"),  # a zero invoice is not a void
    ],
)
def test_status_is_derived_the_quickbooks_way(fields, status, word, paid):
    record = mapping.invoice_record(invoice(**fields), TODAY)
    assert (record.status, record.source_status) == (status, word)
    assert record.amount_paid == Decimal(paid)


def test_amounts_lines_and_references():
    record = mapping.invoice_record(invoice(Balance=60), TODAY, "https://app.example/app/invoice?txnId=42")
    assert (record.external_id, record.number, record.customer_id, record.customer_name) == (
        "42",
        "1042",
        "7",
        "Cedar Dental",
    )
    assert (record.total, record.tax, record.subtotal, record.amount_due) == (110, 10, 100, 60)
    assert record.currency == "AUD" and record.issue_date == date(2026, 11, 1) and record.updated_at.utcoffset()
    assert record.url.endswith("txnId=42")
    (line,) = record.lines  # the subtotal line is not a billed line
    assert (line.item_id, line.item_code, line.quantity, line.unit_price, line.amount) == (
        "3",
        "Microsoft 365 Business Premium",
        4,
        25,
        100,
    )
    assert line.period_start == date(2026, 11, 1)


def test_customer_domains_skip_webmail_and_www():
    row = {
        "Id": "9",
        "DisplayName": "Cedar Dental",
        "PrimaryEmailAddr": {"Address": "Accounts@CedarDental.com.au"},
        "WebAddr": {"URI": "https://www.cedardental.com.au/"},
        "Active": True,
    }
    assert mapping.customer_record(row).domains == ("cedardental.com.au",)
    row["PrimaryEmailAddr"]["Address"] = "cedar.dental@gmail.com"
    row["WebAddr"]["URI"] = "https://cedar.example"
    assert mapping.customer_record(row).domains == ("cedar.example",)


def test_item_code_is_the_sku_else_the_name():
    assert mapping.item_record({"Id": "1", "Name": "Backup", "Sku": "ACR-CP", "UnitPrice": 11.9}).code == "ACR-CP"
    assert mapping.item_record({"Id": "2", "Name": "Backup"}).code == "Backup"


def test_an_amount_that_is_not_a_number_is_an_unexpected_answer():
    with pytest.raises(UnexpectedAnswer):
        mapping.invoice_record(invoice(TotalAmt="lots"), TODAY)
