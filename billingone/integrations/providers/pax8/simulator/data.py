"""The Pax8 simulator's data: deterministic companies, products and subscriptions.

Companies are the shared MSP clients of simulators/dataset.py (so accounting simulators see
the same clients); field names follow specs/pax8/pax8-partner-endpoints-openapi.json.
"""

from __future__ import annotations

import random
import threading
from datetime import UTC, date, datetime, timedelta

from simulators.dataset import SHOWCASE, SHOWCASE_ANNUAL_MONTHS_AGO, SHOWCASE_CLIENTS, clients, months_ago, stable_uuid

# (name, vendor, price per unit per month, billing term, requires commitment)
CATALOG = (
    ("Microsoft 365 Business Basic", "Microsoft", 6.00, "Monthly", False),
    ("Microsoft 365 Business Standard", "Microsoft", 12.50, "Monthly", False),
    ("Microsoft 365 Business Premium", "Microsoft", 22.00, "Annual", True),
    ("Microsoft 365 E3", "Microsoft", 36.00, "Annual", True),
    ("Microsoft 365 E5", "Microsoft", 57.00, "Annual", True),
    ("Exchange Online (Plan 1)", "Microsoft", 4.00, "Monthly", False),
    ("Microsoft Defender for Business", "Microsoft", 3.00, "Monthly", False),
    ("Microsoft Teams Essentials", "Microsoft", 4.00, "Monthly", False),
    ("Azure Plan", "Microsoft", 0.00, "Monthly", False),
    ("Acronis Cyber Protect Cloud", "Acronis", 8.50, "Monthly", False),
    ("Proofpoint Essentials - Professional", "Proofpoint", 4.20, "Monthly", False),
    ("Proofpoint Essentials - Advanced", "Proofpoint", 3.10, "Monthly", False),
    ("Zoom Meetings Pro", "Zoom", 15.00, "Monthly", False),
    ("Adobe Creative Cloud All Apps", "Adobe", 79.99, "Annual", True),
    ("Adobe Acrobat Pro", "Adobe", 19.99, "Annual", True),
    ("Dropbox Business Standard", "Dropbox", 15.00, "Monthly", False),
    ("Keeper Business", "Keeper Security", 3.75, "Annual", True),
    ("SentinelOne Singularity Control", "SentinelOne", 6.00, "Monthly", False),
    ("Datto SaaS Protection", "Datto", 3.00, "Monthly", False),
    ("N-able Mail Assure", "N-able", 1.50, "Monthly", False),
    ("Webroot Business Endpoint Protection", "OpenText", 2.75, "Annual", False),
    ("Google Workspace Business Starter", "Google", 7.20, "Monthly", False),
    ("Google Workspace Business Standard", "Google", 14.40, "Annual", True),
    ("Dynamics 365 Business Central Essentials", "Microsoft", 70.00, "Annual", True),
    ("Power BI Pro", "Microsoft", 10.00, "Monthly", False),
    ("Visio Plan 2", "Microsoft", 15.00, "Monthly", False),
    ("Project Plan 3", "Microsoft", 30.00, "Annual", True),
    ("Windows 365 Business", "Microsoft", 31.00, "Annual", True),
    ("Intune Plan 1", "Microsoft", 8.00, "Monthly", False),
    ("Barracuda Email Protection", "Barracuda", 2.50, "Monthly", False),
)
STATUSES = (
    ("Active", 80),
    ("Trial", 5),
    ("Cancelled", 6),
    ("PendingCancel", 2),
    ("PendingManual", 2),
    ("PendingAutomated", 2),
    ("WaitingForDetails", 1),
    ("Converted", 1),
    ("Activated", 1),
)
EPOCH = datetime(2021, 1, 1, 8, 30, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def default_companies(subscriptions: int) -> int:
    return max(12, min(2000, subscriptions // 25))


class Pax8Data:
    """Companies, products and subscriptions for (seed, sizes); thread-safe mutation helpers."""

    def __init__(self, *, seed: int = 1, subscriptions: int = 600, companies: int | None = None, showcase=False):
        self.seed = seed
        self.lock = threading.RLock()
        self.version = 0
        self.companies = [
            company_record(client) for client in clients(seed, companies or default_companies(subscriptions))
        ]
        self.products = [product_record(seed, index, item) for index, item in enumerate(CATALOG)]
        rng = random.Random(f"pax8-subs:{seed}")
        weights = [weight for _, weight in STATUSES]
        statuses = [status for status, _ in STATUSES]
        self.subscriptions = [
            subscription_record(seed, index, rng, self.companies, self.products, statuses, weights)
            for index in range(subscriptions)
        ]
        if showcase:
            self._add_showcase()
        self.extra = 0
        self._sorted: dict[tuple[str, str], list[dict]] = {}

    def _add_showcase(self) -> None:
        """The demo's reconciliation story: its clients hold exactly the showcase licences."""
        others = [c for i, c in enumerate(self.companies) if i not in SHOWCASE_CLIENTS]
        for index, record in enumerate(self.subscriptions):
            if any(record["companyId"] == self.companies[i]["id"] for i in SHOWCASE_CLIENTS if i < len(self.companies)):
                record["companyId"] = others[index % len(others)]["id"]  # same random stream, other client
        by_name = {product["name"]: product for product in self.products}
        today = datetime.now(UTC).date()
        for number, licence in enumerate(SHOWCASE):
            product = by_name[licence.product]
            price = next(item[2] for item in CATALOG if item[0] == licence.product)
            annual = licence.term == "Annual"
            start = months_ago(today, SHOWCASE_ANNUAL_MONTHS_AGO if annual else 14)
            started = datetime(start.year, start.month, start.day, 9, tzinfo=UTC)
            self.subscriptions.append(
                {
                    "id": stable_uuid("pax8-showcase", self.seed, number),
                    "companyId": self.companies[licence.client_index]["id"],
                    "productId": product["id"],
                    "vendorSubscriptionId": stable_uuid("vendor-showcase", self.seed, number),
                    "quantity": licence.licensed,
                    "startDate": iso(started),
                    "createdDate": iso(started - timedelta(days=1)),
                    "updatedDate": iso(started),
                    "billingStart": start.isoformat(),
                    "status": "Active",
                    "price": round(price * (12 if annual else 1), 2),
                    "partnerCost": round(price * 0.85 * (12 if annual else 1), 2),
                    "currencyCode": "AUD",
                    "productName": product["name"],
                    "billingTerm": licence.term,
                }
            )

    def listing(self, resource: str, sort: str | None) -> list[dict]:
        """The resource's records in the order `sort` asks for (cached until the data changes)."""
        with self.lock:
            key = (resource, sort or "")
            cached = self._sorted.get(key)
            if cached is None:
                records = getattr(self, resource)
                field, _, direction = (sort or "").partition(",")
                if field and records and field in records[0]:
                    records = sorted(records, key=lambda r: (str(r.get(field) or ""), r["id"]))
                    if direction.lower() == "desc":
                        records.reverse()
                cached = self._sorted[key] = list(records)
            return cached

    def find(self, resource: str, record_id: str) -> dict | None:
        with self.lock:
            return next((r for r in getattr(self, resource) if r["id"] == record_id), None)

    def _changed(self) -> None:
        self.version += 1
        self._sorted.clear()

    def mutate(self, fraction: float, seed: int = 99) -> int:
        """Change the quantity of `fraction` of the subscriptions (the "1% changed" benchmark)."""
        with self.lock:
            rng = random.Random(f"mutate:{self.seed}:{seed}:{self.version}")
            count = max(1, int(len(self.subscriptions) * fraction)) if fraction > 0 else 0
            now = iso(datetime.now(UTC))
            for record in rng.sample(self.subscriptions, min(count, len(self.subscriptions))):
                record["quantity"] = record["quantity"] + rng.randint(1, 5)
                record["updatedDate"] = now
            self._changed()
            return count

    def remove_subscriptions(self, count: int) -> list[str]:
        with self.lock:
            removed = [record["id"] for record in self.subscriptions[-count:]] if count else []
            del self.subscriptions[len(self.subscriptions) - len(removed) :]
            self._changed()
            return removed

    def insert_first_subscription(self) -> dict:
        """A new subscription sorting before all others: shifts every page by one row."""
        with self.lock:
            self.extra += 1
            record = dict(self.subscriptions[0]) if self.subscriptions else {}
            record.update(
                id=stable_uuid("pax8-sub-extra", self.seed, self.extra),
                createdDate=iso(EPOCH - timedelta(days=400 + self.extra)),
                quantity=1,
            )
            self.subscriptions.insert(0, record)
            self._changed()
            return record


def company_record(client) -> dict:
    return {
        "id": client.uuid("pax8"),
        "name": client.name,
        "address": {
            "street": client.street,
            "city": client.city,
            "stateOrProvince": client.state,
            "postalCode": client.postal_code,
            "country": client.country,
        },
        "phone": client.phone,
        "website": client.website,
        "externalId": f"EXT-{client.index + 1:04d}",
        "billOnBehalfOfEnabled": client.index % 3 == 0,
        "selfServiceAllowed": client.index % 2 == 0,
        "orderApprovalRequired": client.index % 5 == 0,
        "status": "Active",
        "updatedDate": iso(EPOCH + timedelta(days=client.index)),
    }


def product_record(seed: int, index: int, item: tuple) -> dict:
    name, vendor, _, _, commitment = item
    return {
        "id": stable_uuid("pax8-product", index),
        "name": name,
        "vendorName": vendor,
        "shortDescription": f"{name} from {vendor}.",
        "sku": f"PAX-{vendor[:3].upper()}-{1000 + index}",
        "vendorSku": f"{vendor[:2].upper()}{index:04d}-SKU",
        "requiresCommitment": commitment,
    }


def subscription_record(seed, index, rng, companies, products, statuses, weights) -> dict:
    product_index = rng.randrange(len(products))
    product = products[product_index]
    _, _, price, term, commitment = CATALOG[product_index]
    company = companies[rng.randrange(len(companies))]
    start = EPOCH + timedelta(days=rng.randrange(0, 1400), hours=index % 24)
    status = rng.choices(statuses, weights)[0]
    record = {
        "id": stable_uuid("pax8-sub", seed, index),
        "companyId": company["id"],
        "productId": product["id"],
        "vendorSubscriptionId": stable_uuid("vendor-sub", seed, index),
        "quantity": rng.choice((1, 1, 2, 3, 5, 5, 8, 10, 12, 15, 20, 25, 40)),
        "startDate": iso(start),
        "createdDate": iso(start - timedelta(days=1, seconds=index)),
        "updatedDate": iso(start + timedelta(days=rng.randrange(0, 60))),
        "billingStart": (start.date() if isinstance(start.date(), date) else start).isoformat(),
        "status": status,
        "price": round(price * rng.choice((1.0, 1.0, 1.1, 1.2, 1.25)), 2),
        "partnerCost": round(price * 0.85, 2),
        "currencyCode": "AUD",  # the demo MSP buys and bills in AUD (its Xero is AUD)
        "productName": product["name"],
        "billingTerm": "Trial" if status == "Trial" else term,
    }
    if status in ("Cancelled", "PendingCancel"):
        record["endDate"] = iso(start + timedelta(days=rng.randrange(30, 400)))
    if commitment:
        record["commitmentTerm"] = {"id": stable_uuid("commit", seed, index), "term": "1-Year"}
    return record
