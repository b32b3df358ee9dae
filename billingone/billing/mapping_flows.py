"""Changes to the client mapping (Finance and above: capability integrations.connect), each in
a transaction with its audit event."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from billingone.audit.log import diff, record
from billingone.billing.mapping import HIGH_CONFIDENCE
from billingone.billing.xero_models import ClientMapping, XeroContact
from billingone.integrations.flows import require


class MappingError(Exception):
    pass


def _mapping(organization, mapping_id) -> ClientMapping:
    mapping = (
        ClientMapping.objects.select_for_update(of=("self",))
        .select_related("company", "contact")
        .filter(organization=organization, pk=mapping_id)
        .first()
    )
    if mapping is None:
        raise Http404("No such mapping")
    return mapping


def _snapshot(mapping: ClientMapping) -> dict:
    return {"contact": mapping.contact.name if mapping.contact else None, "state": mapping.state}


def set_contact(membership, request, mapping_id, contact_id) -> ClientMapping:
    """Confirm the mapping with `contact_id` (the suggestion, or another contact); None clears it."""
    require(membership, "integrations.connect")
    organization = membership.organization
    with transaction.atomic():
        mapping = _mapping(organization, mapping_id)
        before = _snapshot(mapping)
        contact = None
        if contact_id:
            contact = XeroContact.objects.filter(organization=organization, pk=contact_id, removed_at__isnull=True)
            contact = contact.first()
            if contact is None:
                raise MappingError("Choose one of your Xero contacts.")
        was_suggestion = mapping.state == ClientMapping.State.SUGGESTED and mapping.contact_id == getattr(
            contact, "pk", 0
        )
        mapping.contact = contact
        mapping.state = ClientMapping.State.CONFIRMED if contact else ClientMapping.State.UNMAPPED
        mapping.confidence = mapping.confidence if was_suggestion else (100 if contact else 0)
        mapping.reason = mapping.reason if was_suggestion else ("Chosen by a person" if contact else "")
        mapping.confirmed_by, mapping.confirmed_at = (membership.user, timezone.now()) if contact else (None, None)
        mapping.save()
        record(
            "mapping.confirm" if was_suggestion else "mapping.change",
            organization=organization,
            request=request,
            target=mapping,
            target_label=mapping.company.name,
            changes=diff(before, _snapshot(mapping)),
        )
    return mapping


def confirm(membership, request, mapping_id) -> ClientMapping:
    """Confirm the current suggestion as it is."""
    with transaction.atomic():
        mapping = _mapping(membership.organization, mapping_id)
        if mapping.state != ClientMapping.State.SUGGESTED or not mapping.contact_id:
            raise MappingError("There is no suggestion to confirm for this company; choose a contact.")
        return set_contact(membership, request, mapping_id, mapping.contact_id)


def confirm_all_high(membership, request) -> int:
    """Confirm every suggestion at or above HIGH_CONFIDENCE; returns how many."""
    require(membership, "integrations.connect")
    organization = membership.organization
    with transaction.atomic():
        rows = ClientMapping.objects.select_for_update().filter(
            organization=organization,
            state=ClientMapping.State.SUGGESTED,
            confidence__gte=HIGH_CONFIDENCE,
            contact__isnull=False,
        )
        ids = list(rows.values_list("pk", flat=True))
        now = timezone.now()
        ClientMapping.objects.filter(pk__in=ids).update(
            state=ClientMapping.State.CONFIRMED, confirmed_by=membership.user, confirmed_at=now
        )
        record(
            "mapping.confirm_all",
            organization=organization,
            request=request,
            target_label="Client mapping",
            data={"confirmed": len(ids), "threshold": HIGH_CONFIDENCE},
        )
    return len(ids)
