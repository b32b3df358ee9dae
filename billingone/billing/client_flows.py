"""Linking customers to clients (capability integrations.connect: Finance and up), each change
in a transaction with its audit event. Flows raise domain errors; the edges turn them into
404 / 409 / 422."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from billingone.audit.log import diff, record
from billingone.billing.matching import HIGH_CONFIDENCE, refresh_confirmed_clients
from billingone.billing.models import Client, ClientLink, Customer
from billingone.integrations.flows import require
from billingone.orgs.errors import FlowError


class NotFound(Exception):
    """No such link, client or customer in this organization."""


class Conflict(Exception):
    """The change contradicts the link's state (e.g. confirming a rejected suggestion)."""


def _link(organization, link_id) -> ClientLink:
    link = (
        ClientLink.objects.select_for_update(of=("self",))
        .select_related("customer", "client")
        .filter(organization=organization, pk=link_id)
        .first()
    )
    if link is None:
        raise NotFound("No such link.")
    return link


def _decide(membership, request, link: ClientLink, state: str, action: str) -> ClientLink:
    organization = membership.organization
    if state == ClientLink.State.CONFIRMED:
        # a customer belongs to one client: its other live links step aside
        ClientLink.objects.filter(customer=link.customer).exclude(pk=link.pk).exclude(
            state=ClientLink.State.REJECTED
        ).update(state=ClientLink.State.REJECTED, decided_by=membership.user, decided_at=timezone.now())
    before = link.state
    link.state, link.decided_by, link.decided_at = state, membership.user, timezone.now()
    link.save(update_fields=["state", "decided_by", "decided_at"])
    refresh_confirmed_clients(organization, [link.customer_id])
    record(
        action,
        organization=organization,
        request=request,
        target=link,
        target_label=f"{link.customer.name} ({link.customer.source}) → {link.client.name}",
        changes={"state": [before, state]},
    )
    return link


def confirm(membership, request, link_id) -> ClientLink:
    require(membership, "integrations.connect")
    with transaction.atomic():
        link = _link(membership.organization, link_id)
        if link.state == ClientLink.State.CONFIRMED:
            return link
        return _decide(membership, request, link, ClientLink.State.CONFIRMED, "mapping.confirm")


def reject(membership, request, link_id) -> ClientLink:
    """Reject a suggestion (never offered again) or undo a confirmed link."""
    require(membership, "integrations.connect")
    with transaction.atomic():
        link = _link(membership.organization, link_id)
        if link.state == ClientLink.State.REJECTED:
            return link
        return _decide(membership, request, link, ClientLink.State.REJECTED, "mapping.reject")


def link_by_hand(membership, request, customer_id, client_id) -> ClientLink:
    """A person links a customer to a client they chose; the name is remembered as an alias."""
    require(membership, "integrations.connect")
    organization = membership.organization
    with transaction.atomic():
        customer = Customer.objects.filter(organization=organization, pk=customer_id).first()
        client = Client.objects.select_for_update().filter(organization=organization, pk=client_id).first()
        if customer is None or client is None:
            raise NotFound("Choose one of your clients.")
        link, _ = ClientLink.objects.get_or_create(
            organization=organization,
            client=client,
            customer=customer,
            defaults={"confidence": 100, "reason": "Chosen by a person"},
        )
        if customer.name not in client.aliases and customer.name != client.name:
            client.aliases = [*client.aliases, customer.name][-20:]
            client.save(update_fields=["aliases"])
        return _decide(membership, request, link, ClientLink.State.CONFIRMED, "mapping.change")


def confirm_all_high(membership, request, threshold: int = HIGH_CONFIDENCE) -> int:
    """Confirm every suggestion at or above `threshold`, best first, one per customer."""
    require(membership, "integrations.connect")
    organization = membership.organization
    with transaction.atomic():
        count = confirm_best(organization, threshold, membership.user)
        record(
            "mapping.confirm_all",
            organization=organization,
            request=request,
            target_label="Clients",
            data={"confirmed": count, "threshold": threshold},
        )
    return count


def confirm_best(organization, threshold: int, user=None) -> int:
    """The best suggestion at or above `threshold` of each customer is confirmed, its others rejected."""
    best: dict[int, int] = {}
    rows = ClientLink.objects.select_for_update().filter(
        organization=organization, state=ClientLink.State.SUGGESTED, confidence__gte=threshold
    )
    for pk, customer_id in rows.order_by("-confidence", "pk").values_list("pk", "customer_id"):
        best.setdefault(customer_id, pk)
    if not best:
        return 0
    now = timezone.now()
    ClientLink.objects.filter(pk__in=best.values()).update(
        state=ClientLink.State.CONFIRMED, decided_by=user, decided_at=now
    )
    ClientLink.objects.filter(customer_id__in=list(best), state=ClientLink.State.SUGGESTED).update(
        state=ClientLink.State.REJECTED, decided_by=user, decided_at=now
    )
    refresh_confirmed_clients(organization, list(best))
    return len(best)


AUTO_CONFIRM_RANGE = (80, 100)


def set_auto_confirm(membership, request, threshold: int | None) -> int | None:
    """The organization's choice: suggestions at or above `threshold` are linked without a person
    from the next sync on (None: every link waits for a person). Owners and Admins decide."""
    require(membership, "org.manage")
    low, high = AUTO_CONFIRM_RANGE
    if threshold is not None and not low <= threshold <= high:
        raise FlowError(f"Choose a confidence between {low} and {high}, or turn auto-confirm off.", field="threshold")
    organization = membership.organization
    before = organization.auto_confirm_links
    organization.auto_confirm_links = threshold
    organization.save(update_fields=["auto_confirm_links"])
    record(
        "mapping.auto_confirm_policy",
        organization=organization,
        request=request,
        target_label="Clients",
        changes=diff({"auto_confirm_links": before}, {"auto_confirm_links": threshold}),
    )
    return threshold


def auto_confirm(organization) -> int:
    """After matching: what the organization chose to auto-confirm, confirmed and audited."""
    threshold = organization.auto_confirm_links
    if threshold is None:
        return 0
    with transaction.atomic():
        count = confirm_best(organization, threshold)
        if count:
            record(
                "mapping.auto_confirm",
                organization=organization,
                target_label="Clients",
                data={"confirmed": count, "threshold": threshold},
            )
    return count
