"""Client matching: which customers are the same client, by evidence, never silently.

After each sync of a source, its customers that have no pending or confirmed link are matched
against the organization's clients: the same name once legal suffixes and punctuation are
normalised, a shared email or website domain, a remembered alias, or a close name (token
index + similarity, above a floor). A match becomes a *suggested* link with its confidence
and reason; a person confirms or rejects it (client_flows.py), and a rejected pair is never
offered again. A billing-side customer (an accounting contact: Xero, QuickBooks, SuperOps)
with no match *is* a new client: it gets one, linked as its origin.

Cost: a handful of set-based statements per sync whatever the size (unlinked customers, the
client index, rejected pairs, then bulk inserts and one UPDATE), and only unlinked rows are
looked at. Never run on a GET.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from billingone.billing.models import Client, ClientLink, Customer
from billingone.billing.names import normalise
from billingone.integrations.base import Side

HIGH_CONFIDENCE = 90
FUZZY_FLOOR = 0.78  # below this name similarity nothing is suggested


@dataclass(frozen=True)
class Suggestion:
    client_id: int
    confidence: int
    reason: str


DIGITS = re.compile(r"\d+")


class ClientIndex:
    """The organization's clients by normalised name and alias, by word (for similar names),
    and by the domains and sources of the customers already confirmed for them."""

    def __init__(self, organization):
        self.by_name: dict[str, int] = {}
        self.by_word: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for pk, name, aliases in Client.objects.filter(organization=organization).values_list(
            "pk", "normalized_name", "aliases"
        ):
            for key in (name, *(normalise(alias) for alias in aliases or ())):
                if key:
                    self.by_name.setdefault(key, pk)
                    for word in set(key.split()):
                        self.by_word[word].append((key, pk))
        self.by_domain: dict[str, int] = {}
        self.sources: dict[int, set[str]] = defaultdict(set)  # a client has one customer per source
        linked = Customer.objects.filter(organization=organization, client__isnull=False)
        for client_id, source, domains in linked.values_list("client_id", "source", "domains"):
            self.sources[client_id].add(source)
            for domain in domains.split():
                self.by_domain.setdefault(domain, client_id)

    def suggest(self, name: str, domains: str, source: str, refused: set[int]) -> Suggestion | None:
        def open_(pk: int | None) -> bool:
            return pk is not None and pk not in refused and source not in self.sources.get(pk, ())

        named = self.by_name.get(name)
        named = named if open_(named) else None
        domain, by_domain = next(
            ((d, self.by_domain[d]) for d in domains.split() if open_(self.by_domain.get(d))), ("", None)
        )
        if named and named == by_domain:
            return Suggestion(named, 100, f"Same name and domain ({domain})")
        if named:
            return Suggestion(named, 95, "Same name")
        if by_domain:
            return Suggestion(by_domain, 90, f"Same domain ({domain})")
        return self.similar(name, open_)

    def similar(self, name: str, open_) -> Suggestion | None:
        """The closest name sharing the name's rarest word: a short posting list, not every client.
        Names that differ only in their numbers ("Client 1", "Client 10") are different companies."""
        words = [word for word in set(name.split()) if word in self.by_word]
        if not words:
            return None
        rarest = min(words, key=lambda word: len(self.by_word[word]))
        best, score = None, 0.0
        for key, pk in self.by_word[rarest]:
            if not open_(pk) or (key != name and DIGITS.sub("#", key) == DIGITS.sub("#", name)):
                continue
            ratio = SequenceMatcher(None, name, key).ratio()
            if ratio > score:
                best, score = pk, ratio
        if best is None or score < FUZZY_FLOOR:
            return None
        return Suggestion(best, int(score * 85), f"Similar name ({int(score * 100)}% alike)")


def match_source(organization, source: str, side: Side) -> int:
    """Suggest clients for `source`'s unlinked customers; make clients of unmatched accounting
    contacts; when that made new clients, look again at every other source's unlinked
    customers (they may be those clients). Returns how many links were created."""
    created = _match(organization, side, source=source)
    if side is Side.BILLING and created:
        created += _match(organization, Side.VENDOR, exclude_source=source)
    return created


def _match(organization, side: Side, *, source: str = "", exclude_source: str = "") -> int:
    with transaction.atomic():
        pending = ClientLink.objects.filter(organization=organization).exclude(state=ClientLink.State.REJECTED)
        customers = Customer.objects.filter(organization=organization, removed_at__isnull=True)
        customers = customers.filter(source=source) if source else customers.exclude(source=exclude_source)
        unlinked = list(
            customers.exclude(pk__in=pending.values("customer_id")).values_list(
                "pk", "name", "normalized_name", "domains", "is_client", "source"
            )
        )
        if not unlinked:
            return 0
        refused: dict[int, set[int]] = defaultdict(set)
        rejected = ClientLink.objects.filter(organization=organization, state=ClientLink.State.REJECTED)
        for customer_id, client_id in rejected.values_list("customer_id", "client_id"):
            refused[customer_id].add(client_id)
        index = ClientIndex(organization)
        links, origins = [], []
        for pk, name, normalized, domains, is_client, customer_source in unlinked:
            suggestion = index.suggest(normalized, domains, customer_source, refused[pk])
            if suggestion is not None:
                links.append(_suggested(organization, pk, suggestion))
            elif side is Side.BILLING and is_client:
                origins.append((pk, name, normalized))
        created = _create_origin_clients(organization, origins)
        ClientLink.objects.bulk_create(links, ignore_conflicts=True)
        return len(links) + created


def _suggested(organization, customer_id: int, suggestion: Suggestion) -> ClientLink:
    return ClientLink(
        organization=organization,
        customer_id=customer_id,
        client_id=suggestion.client_id,
        state=ClientLink.State.SUGGESTED,
        confidence=suggestion.confidence,
        reason=suggestion.reason,
    )


def _create_origin_clients(organization, origins: list[tuple[int, str, str]]) -> int:
    """One client per unmatched accounting contact, linked as its origin (it *is* the client)."""
    if not origins:
        return 0
    now = timezone.now()
    clients = Client.objects.bulk_create(
        [Client(organization=organization, name=name, normalized_name=normalized) for _, name, normalized in origins]
    )
    ClientLink.objects.bulk_create(
        [
            ClientLink(
                organization=organization,
                client_id=client.pk,
                customer_id=customer_id,
                state=ClientLink.State.CONFIRMED,
                confidence=100,
                reason="The accounting contact this client was created from",
                decided_at=now,
            )
            for client, (customer_id, _, _) in zip(clients, origins, strict=True)
        ]
    )
    refresh_confirmed_clients(organization, [customer_id for customer_id, _, _ in origins])
    return len(origins)


def refresh_confirmed_clients(organization, customer_ids) -> int:
    """Keep Customer.client equal to the customer's confirmed link (one UPDATE)."""
    confirmed = ClientLink.objects.filter(customer_id=OuterRef("pk"), state=ClientLink.State.CONFIRMED)
    return Customer.objects.filter(organization=organization, pk__in=list(customer_ids)).update(
        client_id=Subquery(confirmed.values("client_id")[:1])
    )


def announce_new_unlinked(organization, source: str, run_started_at, run_id: int) -> int:
    """Count the customers this sync saw for the first time that no confirmed link reached, and
    announce them once per run (in-app by default), pointing at the Clients page."""
    from billingone.billing.coverage import display_name
    from billingone.notifications.notify import notify

    if run_started_at is None:
        return 0
    new = Customer.objects.filter(
        organization=organization, source=source, removed_at__isnull=True, client__isnull=True
    ).filter(first_seen_at__gte=run_started_at)
    count = new.count()
    if count:
        context = {"count": count, "source": display_name(source), "run": run_id}
        notify("clients.unlinked_found", organization, context, dedupe_key=f"clients.unlinked_found:{run_id}")
    return count
