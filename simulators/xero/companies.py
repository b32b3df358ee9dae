"""The MSP's client companies, as the distributor (Pax8) knows them.

Both simulators draw from the same deterministic list, so the Xero contacts line up with the
Pax8 companies and mapping has real work to do.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

FIRST = (
    "Acme",
    "Bluegum",
    "Coral",
    "Dingo",
    "Eucalypt",
    "Fernleaf",
    "Granite",
    "Harbour",
    "Ironbark",
    "Jacaranda",
    "Koala",
    "Lighthouse",
    "Mallee",
    "Northgate",
    "Outback",
    "Paperbark",
    "Quokka",
    "Riverbend",
    "Saltbush",
    "Tasman",
    "Uluru",
    "Wattle",
    "Yarra",
    "Zenith",
    "Brolga",
    "Cassowary",
)
SECOND = (
    "Dental",
    "Legal",
    "Accounting",
    "Logistics",
    "Medical",
    "Engineering",
    "Realty",
    "Architects",
    "Veterinary",
    "Constructions",
    "Plumbing",
    "Consulting",
    "Physio",
    "Freight",
    "Pharmacy",
    "Motors",
)
THIRD = ("Group", "Partners", "Co", "Services", "Clinic", "Solutions", "", "", "")


@dataclass(frozen=True)
class Company:
    index: int
    name: str
    domain: str


def company(index: int, seed: str = "billingone") -> Company:
    # First and second word walk the grid, so names and domains are unique; the third is flavour.
    rnd = random.Random(f"{seed}:company:{index}")
    first, second = FIRST[index % len(FIRST)], SECOND[(index // len(FIRST)) % len(SECOND)]
    third = rnd.choice(THIRD)
    round_ = index // (len(FIRST) * len(SECOND))
    name = " ".join(part for part in (first, second, third) if part) + (f" {round_ + 1}" if round_ else "")
    domain = (first + second).lower() + (str(round_ + 1) if round_ else "") + ".com.au"
    return Company(index=index, name=name, domain=domain)


def companies(count: int, seed: str = "billingone") -> list[Company]:
    return [company(index, seed) for index in range(count)]
