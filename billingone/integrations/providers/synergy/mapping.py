"""Synergy Wholesale's domain and hosting entries → the neutral records of records.py.

- A domain is a SubscriptionRecord of kind domain: renews on its expiry (`domain_expiry`),
  auto-renew from `autoRenew` (1/0 on the wire, on/off in the document), the registry status
  normalised, billed once a year (a registration renews by the year).
- A hosting service is a SubscriptionRecord of kind hosting: renews on `nextRenewalDue`, plan
  and billing period from the list or, where the list lacks them, from `hostingGetService`.
- Owners: Synergy keeps no client list for a reseller, so the owner of a domain is its .au
  registrant when the registry names one, else the domain itself; a hosting service belongs to
  the owner of its domain. Each owner is a CustomerRecord whose `domains` are the evidence
  client matching links by (the client's website domain).
- Dates are local wall-clock strings ("2025-01-02 03:04:05") in Synergy's zone
  (SYNERGY_TIMEZONE, Australia/Melbourne: the document names none; Synergy is in Melbourne):
  the renewal date is that local date, never shifted through UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from billingone.integrations.records import (
    BillingTerm,
    CustomerRecord,
    ProductRecord,
    SubscriptionKind,
    SubscriptionRecord,
    SubscriptionStatus,
)

VENDOR = "Synergy Wholesale"
CURRENCY = "AUD"  # Synergy bills its resellers in Australian dollars
LOCAL_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$")
DOMAIN_STATUS = {
    # Registry (EPP) statuses, lower-cased. Held or in redemption: not live, still renewable.
    "clienthold": SubscriptionStatus.SUSPENDED,
    "serverhold": SubscriptionStatus.SUSPENDED,
    "inactive": SubscriptionStatus.SUSPENDED,
    "redemption": SubscriptionStatus.SUSPENDED,
    "pendingdelete": SubscriptionStatus.SUSPENDED,
    "pendingrestore": SubscriptionStatus.SUSPENDED,
    "dropped": SubscriptionStatus.CANCELLED,
    "transferredaway": SubscriptionStatus.CANCELLED,
    "deleted": SubscriptionStatus.CANCELLED,
    "policydelete": SubscriptionStatus.CANCELLED,
}
HOSTING_STATUS = {
    "active": SubscriptionStatus.ACTIVE,
    "pending cancellation": SubscriptionStatus.ACTIVE,  # runs (and is billed) until the period ends
    "pending upgrade": SubscriptionStatus.ACTIVE,
    "suspended": SubscriptionStatus.SUSPENDED,
    "suspended by staff": SubscriptionStatus.SUSPENDED,
    "inactive": SubscriptionStatus.SUSPENDED,
    "pending completion": SubscriptionStatus.SUSPENDED,
    "terminated": SubscriptionStatus.CANCELLED,
    "cancelled": SubscriptionStatus.CANCELLED,
}
PERIODS = {
    "monthly": BillingTerm.MONTHLY,
    "month": BillingTerm.MONTHLY,
    "annually": BillingTerm.ANNUAL,
    "annual": BillingTerm.ANNUAL,
    "yearly": BillingTerm.ANNUAL,
    "year": BillingTerm.ANNUAL,
    "biennially": BillingTerm.MULTI_YEAR,
    "triennially": BillingTerm.MULTI_YEAR,
}
HOSTING_ENDED = {"pending cancellation", "terminated", "cancelled"}


def zone() -> ZoneInfo:
    return ZoneInfo(settings.SYNERGY_TIMEZONE)


def local_datetime(value: object) -> datetime | None:
    """A Synergy date string as an aware time in Synergy's zone; None when empty or unreadable."""
    match = LOCAL_TIME.match(str(value or "").strip())
    if not match:
        return None
    year, month, day, hour, minute, second = (int(part) if part else 0 for part in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=zone())
    except ValueError:
        return None


def local_date(value: object) -> date | None:
    moment = local_datetime(value)
    return moment.date() if moment else None


def text(entry: dict, *names: str) -> str:
    for name in names:
        value = entry.get(name)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def flag(value: object) -> bool | None:
    word = str(value if value is not None else "").strip().lower()
    if word in ("1", "on", "true", "yes", "enabled"):
        return True
    if word in ("0", "off", "false", "no", "disabled"):
        return False
    return None


def as_list(value: object) -> list:
    """An encoded array (an empty one arrives as an empty string)."""
    return value if isinstance(value, list) else []


def suffix_of(domain: str) -> str:
    """The registry suffix a domain is sold under: com.au, net.au, co.nz, com, …"""
    labels = domain.lower().split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in {"com", "net", "org", "co", "id", "asn", "edu"}:
        return ".".join(labels[-2:])
    return labels[-1]


# ---- owners ---------------------------------------------------------------------------------


@dataclass
class Owner:
    external_id: str
    name: str
    domains: list[str] = field(default_factory=list)

    def record(self) -> CustomerRecord:
        website = f"https://{self.domains[0]}" if self.domains else ""
        return CustomerRecord(
            external_id=self.external_id,
            name=self.name,
            website=website,
            domains=tuple(sorted(set(self.domains))),
        )


class Owners:
    """The owners the scan met, each once: by .au registrant name, else by domain."""

    def __init__(self) -> None:
        self.by_id: dict[str, Owner] = {}
        self.by_domain: dict[str, Owner] = {}

    def of_domain(self, domain: str, entry: dict) -> Owner:
        registrant = " ".join(text(entry, "auRegistrantName").split())
        key = f"registrant:{registrant.lower()}" if registrant else f"domain:{domain}"
        owner = self.by_id.setdefault(
            key, Owner(key, registrant.title() if registrant.isupper() else registrant or domain)
        )
        owner.domains.append(domain)
        self.by_domain[domain] = owner
        return owner

    def of_hosting(self, domain: str) -> Owner:
        owner = self.by_domain.get(domain)
        if owner is None:
            key = f"domain:{domain}"
            owner = self.by_id.setdefault(key, Owner(key, domain))
            owner.domains.append(domain)
            self.by_domain[domain] = owner
        return owner

    def records(self) -> list[CustomerRecord]:
        return [owner.record() for owner in self.by_id.values()]


def mapping_owner(domain: str, entry: dict) -> Owner:
    """The owner of one domain on its own (tests, single-domain reads)."""
    return Owners().of_domain(domain, entry)


# ---- domains --------------------------------------------------------------------------------


def domain_product(domain: str) -> ProductRecord:
    suffix = suffix_of(domain)
    return ProductRecord(
        external_id=f"tld:{suffix}",
        name=f"Domain name .{suffix}",
        vendor=VENDOR,
        sku=f".{suffix}",
        kind=SubscriptionKind.DOMAIN,
        description=f".{suffix} registration, renewed yearly",
    )


def domain_status(entry: dict) -> tuple[SubscriptionStatus, str]:
    registry = text(entry, "domain_status", "domainStatus")
    item_status = text(entry, "status")
    if item_status.startswith("OK_TRANSFER"):
        return SubscriptionStatus.SUSPENDED, item_status.lower()[:40]  # not ours until the transfer completes
    return DOMAIN_STATUS.get(registry.lower(), SubscriptionStatus.ACTIVE), registry[:40]


def domain_record(entry: dict, owner: Owner) -> SubscriptionRecord:
    name = text(entry, "domainName").lower()
    status, source_status = domain_status(entry)
    expiry = local_date(entry.get("domain_expiry"))
    product = domain_product(name)
    return SubscriptionRecord(
        external_id=f"domain:{name}",
        customer_id=owner.external_id,
        product_id=product.external_id,
        product_name=product.name,
        name=name,
        kind=SubscriptionKind.DOMAIN,
        currency=CURRENCY,
        billing_term=BillingTerm.ANNUAL,
        source_term="yearly registration",
        status=status,
        source_status=source_status,
        start_date=local_date(entry.get("createdDate") or entry.get("domain_create")),
        end_date=expiry if status == SubscriptionStatus.CANCELLED else None,
        renews_on=expiry,
        auto_renew=flag(entry.get("autoRenew")),
        plan=product.sku,
    )


# ---- hosting --------------------------------------------------------------------------------


def needs_detail(entry: dict) -> bool:
    """The list lacks what billing needs: the period or the next renewal."""
    return not text(entry, "billingPeriod") or not text(entry, "nextRenewalDue")


def hosting_product(entry: dict) -> ProductRecord:
    plan = text(entry, "plan", "planID") or "unknown plan"
    product = text(entry, "product")
    return ProductRecord(
        external_id=f"plan:{plan}",
        name=f"{product or 'Hosting'} {plan}".strip(),
        vendor=VENDOR,
        sku=plan,
        kind=SubscriptionKind.HOSTING,
    )


def hosting_record(entry: dict, owner: Owner) -> SubscriptionRecord:
    service_status = text(entry, "serviceStatus")
    status = HOSTING_STATUS.get(service_status.lower(), SubscriptionStatus.ACTIVE)
    period = text(entry, "billingPeriod")
    renews = local_date(entry.get("nextRenewalDue"))
    product = hosting_product(entry)
    return SubscriptionRecord(
        external_id=f"hosting:{text(entry, 'hoid')}",
        customer_id=owner.external_id,
        product_id=product.external_id,
        product_name=product.name,
        name=text(entry, "domain").lower() or text(entry, "username"),
        kind=SubscriptionKind.HOSTING,
        currency=CURRENCY,
        billing_term=PERIODS.get(period.lower(), BillingTerm.OTHER),
        source_term=period[:30],
        status=status,
        source_status=service_status[:40],
        end_date=renews if status == SubscriptionStatus.CANCELLED else None,
        renews_on=renews,
        # Synergy bills a hosting service every period until it is cancelled.
        auto_renew=service_status.lower() not in HOSTING_ENDED if service_status else None,
        plan=product.sku[:100],
    )
