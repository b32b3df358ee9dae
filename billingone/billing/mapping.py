"""Client-to-company mapping: each Pax8 company paired with one Xero contact.

Suggestions come from normalised names ("Cedar Dental Pty Ltd" = "CEDAR DENTAL") and email
domains (the company's website vs the contact's email), with a confidence (0–100). People
confirm or change them one by one, or confirm every high-confidence suggestion at once
(mapping_flows.py). Confirmed pairs are never touched by a refresh.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from urllib.parse import urlsplit

from django.db import transaction

from billingone.billing.models import Pax8Company
from billingone.billing.xero_models import ClientMapping, XeroContact

HIGH_CONFIDENCE = 90
FUZZY_FLOOR = 0.78  # below this name similarity nothing is suggested
LEGAL_WORDS = {"pty", "ltd", "limited", "inc", "llc", "co", "corp", "corporation", "company", "plc", "the", "pte"}
WEBMAIL = {"gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "bigpond.com", "icloud.com"}


def normalise(name: str) -> str:
    text = name.lower().replace("&", " and ")
    words = re.sub(r"[^a-z0-9 ]+", " ", text).split()
    return " ".join(word for word in words if word not in LEGAL_WORDS)


def website_domain(url: str) -> str:
    host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    return host.removeprefix("www.")


def email_domain(email: str) -> str:
    domain = email.rpartition("@")[2].lower().strip()
    return "" if domain in WEBMAIL else domain


@dataclass(frozen=True)
class Suggestion:
    contact_id: int
    confidence: int
    reason: str


class ContactIndex:
    """The organization's live contacts, indexed by normalised name and email domain."""

    def __init__(self, contacts: list[XeroContact]):
        self.by_name: dict[str, list[XeroContact]] = {}
        self.by_domain: dict[str, list[XeroContact]] = {}
        self.normalised: list[tuple[str, XeroContact]] = []
        for contact in contacts:
            key = normalise(contact.name)
            self.by_name.setdefault(key, []).append(contact)
            self.normalised.append((key, contact))
            domain = email_domain(contact.email)
            if domain:
                self.by_domain.setdefault(domain, []).append(contact)

    def suggest(self, company: Pax8Company, taken: set[int]) -> Suggestion | None:
        name, domain = normalise(company.name), website_domain(company.website)
        named = [c for c in self.by_name.get(name, []) if c.pk not in taken]
        by_domain = [c for c in self.by_domain.get(domain, []) if c.pk not in taken] if domain else []
        both = [c for c in named if c in by_domain]
        if both:
            return Suggestion(both[0].pk, 100, f"Same name and email domain ({domain})")
        if named:
            return Suggestion(named[0].pk, 95, "Same name")
        if by_domain:
            return Suggestion(by_domain[0].pk, 90, f"Same email domain ({domain})")
        return self.fuzzy(name, taken)

    def fuzzy(self, name: str, taken: set[int]) -> Suggestion | None:
        best, score = None, 0.0
        first = name.split(" ")[0] if name else ""
        for key, contact in self.normalised:
            if contact.pk in taken or not first or first not in key:
                continue  # share at least the first word: keeps this linear in practice
            ratio = SequenceMatcher(None, name, key).ratio()
            if ratio > score:
                best, score = contact, ratio
        if best is None or score < FUZZY_FLOOR:
            return None
        return Suggestion(best.pk, int(score * 85), f"Similar name ({int(score * 100)}% alike)")


def refresh_suggestions(organization) -> int:
    """Create a mapping row per live Pax8 company and (re)suggest for the unconfirmed ones.
    Returns how many rows changed."""
    companies = list(Pax8Company.objects.filter(organization=organization, removed_at__isnull=True))
    contacts = list(XeroContact.objects.filter(organization=organization, removed_at__isnull=True, is_supplier=False))
    index = ContactIndex(contacts)
    with transaction.atomic():
        rows = {m.company_id: m for m in ClientMapping.objects.select_for_update().filter(organization=organization)}
        taken = {m.contact_id for m in rows.values() if m.state == ClientMapping.State.CONFIRMED and m.contact_id}
        changed = []
        for company in companies:
            mapping = rows.get(company.pk) or ClientMapping(organization=organization, company=company)
            if mapping.state == ClientMapping.State.CONFIRMED:
                continue
            suggestion = index.suggest(company, taken)
            values = _values(suggestion)
            if mapping.pk is None or any(getattr(mapping, k) != v for k, v in values.items()):
                for key, value in values.items():
                    setattr(mapping, key, value)
                changed.append(mapping)
        for mapping in changed:
            mapping.save()
    return len(changed)


def _values(suggestion: Suggestion | None) -> dict:
    if suggestion is None:
        return {"contact_id": None, "state": ClientMapping.State.UNMAPPED, "confidence": 0, "reason": ""}
    return {
        "contact_id": suggestion.contact_id,
        "state": ClientMapping.State.SUGGESTED,
        "confidence": suggestion.confidence,
        "reason": suggestion.reason,
    }


def needs_refresh(organization) -> bool:
    companies = Pax8Company.objects.filter(organization=organization, removed_at__isnull=True)
    return companies.filter(mapping__isnull=True).exists()
