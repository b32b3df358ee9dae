"""Stripe objects → PaymentLinkRecord: minor units by currency, descriptions, client names, paid."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from billingone.integrations.base import UnexpectedAnswer
from billingone.integrations.providers.stripe.mapping import Paid, link_record, major_units

FIXTURES = json.loads((Path(__file__).parents[1] / "contract" / "fixtures.json").read_text())


def item(description: str, unit: int, quantity: int, currency: str = "usd") -> dict:
    line = copy.deepcopy(FIXTURES["item"])
    line.update(description=description, quantity=quantity, currency=currency, amount_total=unit * quantity)
    line["price"].update(unit_amount=unit, unit_amount_decimal=str(unit), currency=currency)
    return line


@pytest.mark.parametrize(
    ("minor", "currency", "major"),
    [(123456, "usd", "1234.56"), (5000, "jpy", "5000"), (12340, "kwd", "12.34"), ("1050.5", "aud", "10.505")],
)
def test_minor_units_per_currency(minor, currency, major):
    assert major_units(minor, currency) == Decimal(major)


def test_the_official_fixture_maps():
    link = FIXTURES["payment_link"]
    record = link_record(link, [FIXTURES["item"]], Paid())
    assert record.external_id == link["id"] and record.url == link["url"] and record.active
    assert record.currency == "USD" and record.lines[0].description == "T-shirt"
    assert record.lines[0].unit_amount == Decimal("10.00") and record.lines[0].price_id.startswith("price_")


def test_description_client_amount_and_paid():
    link = {**FIXTURES["payment_link"], "metadata": {"client": "Cedar Dental Pty Ltd", "invoice": "INV-0042"}}
    items = [item("Managed IT", 8900, 10), item("Managed IT", 8900, 2), item("Backup", 14900, 1)]
    paid = Paid.from_sessions(
        [{"status": "complete", "created": 1_780_000_000}, {"status": "expired", "created": 1_790_000_000}]
    )
    record = link_record(link, items, paid)
    assert record.description == "INV-0042 · Managed IT, Backup"  # each product once
    assert record.client_name == "Cedar Dental Pty Ltd"
    assert record.amount == Decimal("1217.00")  # 890 + 178 + 149
    assert (record.paid_count, record.last_paid_at) == (1, datetime.fromtimestamp(1_780_000_000, tz=UTC))


def test_a_link_without_id_is_an_unexpected_answer():
    with pytest.raises(UnexpectedAnswer):
        link_record({"url": "x"}, [], Paid())
