"""Stripe objects → neutral records (records.py). Amounts arrive in the currency's minor unit
(cents; none for zero-decimal currencies such as JPY) and become Decimals in the major unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from billingone.integrations.base import UnexpectedAnswer
from billingone.integrations.records import PaymentLinkLineRecord, PaymentLinkRecord

# docs.stripe.com/currencies: zero-decimal and three-decimal currencies.
ZERO_DECIMAL = set("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split())
THREE_DECIMAL = set("bhd jod kwd omr tnd".split())
CLIENT_KEYS = ("client", "client_name", "customer", "company")  # metadata names MSPs use


@dataclass(frozen=True)
class Paid:
    """Completed checkouts of one link."""

    count: int = 0
    last_at: datetime | None = None

    @classmethod
    def from_sessions(cls, sessions: list[dict]) -> Paid:
        completed = [s for s in sessions if s.get("status") == "complete"]
        if not completed:
            return cls()
        last = max(int(s.get("created") or 0) for s in completed)
        return cls(len(completed), datetime.fromtimestamp(last, tz=UTC))


def major_units(minor, currency: str) -> Decimal | None:
    """Stripe's integer (or decimal string) minor units → the amount in the major unit."""
    if minor is None or minor == "":
        return None
    exponent = 0 if currency in ZERO_DECIMAL else 3 if currency in THREE_DECIMAL else 2
    return (Decimal(str(minor)) / (10**exponent)).quantize(Decimal("0.0001"))


def line_record(item: dict) -> PaymentLinkLineRecord:
    currency = str(item.get("currency") or "").lower()
    price = item.get("price") if isinstance(item.get("price"), dict) else {}
    unit = (
        price.get("unit_amount_decimal") if price.get("unit_amount_decimal") is not None else price.get("unit_amount")
    )
    return PaymentLinkLineRecord(
        description=str(item.get("description") or "")[:500],
        quantity=Decimal(str(item.get("quantity") or 1)),
        unit_amount=major_units(unit, currency),
        amount=major_units(item.get("amount_total"), currency),
        currency=currency.upper(),
        price_id=str(price.get("id") or (item.get("price") if isinstance(item.get("price"), str) else ""))[:128],
    )


def describe(metadata: dict, lines: tuple[PaymentLinkLineRecord, ...]) -> str:
    """What the link charges for: the metadata's description, else its line items, with the
    invoice it settles (metadata "invoice") in front."""
    named = dict.fromkeys(line.description for line in lines if line.description)  # once each, in order
    text = str(metadata.get("description") or ", ".join(named))
    invoice = str(metadata.get("invoice") or "")
    return (f"{invoice} · {text}" if invoice and text else invoice or text)[:500]


def link_record(link: dict, items: list[dict], paid: Paid) -> PaymentLinkRecord:
    try:
        currency = str(link.get("currency") or "").lower()
        lines = tuple(line_record(item) for item in items)
        amounts = [line.amount for line in lines]
        metadata = link.get("metadata") if isinstance(link.get("metadata"), dict) else {}
        client = next((str(metadata[key]) for key in CLIENT_KEYS if metadata.get(key)), "")
        return PaymentLinkRecord(
            external_id=str(link["id"]),
            url=str(link.get("url") or "")[:500],
            active=bool(link.get("active")),
            client_name=client[:255],
            description=describe(metadata, lines),
            amount=sum(amounts, Decimal(0)) if amounts and None not in amounts else None,
            currency=currency.upper(),
            paid_count=paid.count,
            last_paid_at=paid.last_at,
            source_status="active" if link.get("active") else "inactive",
            lines=lines,
        )
    except (KeyError, TypeError, ValueError, InvalidOperation) as error:
        raise UnexpectedAnswer(f"Stripe sent a payment link we could not read ({type(error).__name__}).") from error
