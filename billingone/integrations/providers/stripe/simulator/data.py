"""The Stripe simulator's deterministic data: payment links for the shared MSP clients.

Objects are Stripe's own example objects (contract/fixtures.json, from stripe/openapi) with our
values laid over them, so every field the real API sends is present in its real shape. The same
(seed, mode, size) always gives the same links, line items, prices and checkout sessions; each
link's metadata names a client of simulators/dataset.py, as the other simulators do.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from simulators.dataset import Client, clients

FIXTURES: dict[str, dict] = json.loads((Path(__file__).parent.parent / "contract" / "fixtures.json").read_text())
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
CURRENCY_OF_COUNTRY = {"AU": "aud", "NZ": "nzd", "GB": "gbp", "CA": "cad", "US": "usd"}
# (description, unit amount in the currency's minor unit, typical quantity range)
CATALOGUE = (
    ("Managed IT services (per seat)", 8900, (5, 40)),
    ("Microsoft 365 Business Premium", 3300, (5, 40)),
    ("Backup & disaster recovery", 14900, (1, 1)),
    ("Onboarding project", 250000, (1, 1)),
    ("Security awareness training", 1500, (5, 30)),
    ("Laptop setup and imaging", 18000, (1, 6)),
    ("After-hours support block (5 h)", 90000, (1, 2)),
    ("Firewall subscription", 6500, (1, 1)),
)
RETENTION = timedelta(days=30)  # Stripe keeps events for 30 days


def stripe_id(prefix: str, *parts: object, length: int = 24) -> str:
    """A deterministic Stripe-looking id: prefix + base62 from the parts' hash."""
    number = int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest(), "big")
    chars = []
    for _ in range(length):
        number, digit = divmod(number, 62)
        chars.append(BASE62[digit])
    return prefix + "".join(chars)


def timestamp(moment: datetime) -> int:
    return int(moment.timestamp())


@dataclass
class ModeData:
    """One mode's (test or live) objects, oldest first as Stripe created them."""

    livemode: bool
    links: list[dict] = field(default_factory=list)
    line_items: dict[str, list[dict]] = field(default_factory=dict)
    sessions: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    counter: int = 0  # ids of objects created after generation

    def link(self, link_id: str) -> dict | None:
        return next((link for link in self.links if link["id"] == link_id), None)


class Generator:
    def __init__(self, *, seed: int, livemode: bool, anchor: datetime, pay_base: str):
        self.seed, self.livemode, self.anchor, self.pay_base = seed, livemode, anchor, pay_base.rstrip("/")
        self.mode = "live" if livemode else "test"
        self.rng = random.Random(f"stripe:{seed}:{self.mode}")

    def generate(self, companies: int, links: int | None) -> ModeData:
        data = ModeData(livemode=self.livemode)
        world = clients(self.seed, companies)
        total = links if links is not None else sum(1 + self.rng.randint(0, 2) for _ in world)
        for number in range(total):
            client = world[number % len(world)]
            link, items = self.payment_link(number, client)
            data.links.append(link)
            data.line_items[link["id"]] = items
            data.sessions.extend(self.sessions_for(number, link, items, client))
        data.sessions.sort(key=lambda session: session["created"])
        cutoff = timestamp(self.anchor - RETENTION)
        for session in data.sessions:
            if session["status"] == "complete" and session["created"] >= cutoff:
                data.events.append(self.event("checkout.session.completed", session, session["created"] + 2))
        return data

    # ---- objects ------------------------------------------------------------------------------
    def payment_link(self, number: int, client: Client, *, active: bool | None = None) -> tuple[dict, list[dict]]:
        link_id = stripe_id("plink_", self.seed, self.mode, "link", number)
        currency = CURRENCY_OF_COUNTRY.get(client.country, "usd")
        products = self.rng.sample(CATALOGUE, 1 + self.rng.randint(0, 2))
        items = [self.item(link_id, index, currency, product) for index, product in enumerate(products)]
        single_use = self.rng.random() < 0.3
        active = (self.rng.random() < 0.8) if active is None else active
        code = stripe_id("", self.seed, self.mode, "code", number, length=14)
        link = copy.deepcopy(FIXTURES["payment_link"])
        link.update(
            id=link_id,
            active=active,
            currency=currency,
            livemode=self.livemode,
            url=f"{self.pay_base}/{'' if self.livemode else 'test_'}{code}",
            metadata={"client": client.name, "client_domain": client.domain, "invoice": f"INV-{1001 + number}"},
            inactive_message=None if active else "This invoice has been paid or cancelled. Thank you.",
            restrictions={"completed_sessions": {"count": 0, "limit": 1}} if single_use else None,
            application=None,
            on_behalf_of=None,
            transfer_data=None,
            subscription_data=None,
            shipping_address_collection=None,
            payment_method_options=None,
            custom_text={key: None for key in link["custom_text"]},
            payment_intent_data={**link["payment_intent_data"], "metadata": {}},
        )
        return link, items

    def item(self, link_id: str, index: int, currency: str, product: tuple) -> dict:
        description, unit, (low, high) = product
        quantity = self.rng.randint(low, high)
        price = copy.deepcopy(FIXTURES["price"])
        price.update(
            id=stripe_id("price_", link_id, index),
            currency=currency,
            livemode=self.livemode,
            product=stripe_id("prod_", self.seed, description, length=14),
            recurring=None,
            transform_quantity=None,
            type="one_time",
            unit_amount=unit,
            unit_amount_decimal=str(unit),
            created=timestamp(self.anchor - timedelta(days=200)),
        )
        item = copy.deepcopy(FIXTURES["item"])
        item.update(
            id=stripe_id("li_", link_id, index),
            amount_discount=0,
            amount_tax=0,
            amount_subtotal=unit * quantity,
            amount_total=unit * quantity,
            currency=currency,
            description=description,
            price=price,
            quantity=quantity,
            adjustable_quantity=None,
        )
        return item

    def sessions_for(self, number: int, link: dict, items: list[dict], client: Client) -> list[dict]:
        single_use = link["restrictions"] is not None
        paid = (1 if not link["active"] else 0) if single_use else self.rng.choice((0, 0, 1, 1, 2, 3, 5))
        sessions = []
        for index in range(paid + self.rng.choice((0, 0, 1))):  # the extra one expired unpaid
            complete = index < paid
            created = self.anchor - timedelta(days=self.rng.randint(1, 120), minutes=self.rng.randint(0, 1439))
            session_id = stripe_id(f"cs_{'live' if self.livemode else 'test'}_", link["id"], index, length=58)
            sessions.append(self.session(session_id, link, items, client, timestamp(created), complete))
        if single_use and paid:
            link["restrictions"]["completed_sessions"]["count"] = paid
        return sessions

    def session(self, session_id: str, link: dict, items: list[dict], client: Client, created: int, complete: bool):
        total = sum(item["amount_total"] for item in items)
        session = copy.deepcopy(FIXTURES["checkout.session"])
        session.update(
            id=session_id,
            amount_subtotal=total,
            amount_total=total,
            created=created,
            expires_at=created + 86400,
            currency=link["currency"],
            livemode=self.livemode,
            payment_link=link["id"],
            payment_status="paid" if complete else "unpaid",
            status="complete" if complete else "expired",
            payment_intent=stripe_id("pi_", session_id) if complete else None,
            customer_details={
                **session["customer_details"],
                "email": client.billing_email,
                "name": client.contact_name,
                "business_name": client.name,
            },
            url=None,
            cancel_url=None,
            success_url=None,
            currency_conversion=None,
            shipping_cost=None,
            shipping_address_collection=None,
            collected_information=None,
            total_details={"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            metadata={},
        )
        return session

    def event(
        self, kind: str, obj: dict, created: int, previous: dict | None = None, event_id: str | None = None
    ) -> dict:
        event = copy.deepcopy(FIXTURES["event"])
        data = {"object": copy.deepcopy(obj)}
        if previous is not None:
            data["previous_attributes"] = previous
        event.update(
            id=event_id or stripe_id("evt_", obj["id"], kind, created),
            api_version="2023-08-16",
            created=created,
            data=data,
            livemode=self.livemode,
            pending_webhooks=0,
            request={"id": None, "idempotency_key": None},
            type=kind,
        )
        return event


def start_of_today() -> datetime:
    return datetime.now(tz=UTC).replace(hour=0, minute=0, second=0, microsecond=0)
