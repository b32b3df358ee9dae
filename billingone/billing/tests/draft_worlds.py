"""A client billed through the Xero simulator: what the draft tests push to."""

from __future__ import annotations

from django.utils import timezone

from billingone.billing.finding_models import Finding
from billingone.billing.models import Customer
from billingone.billing.reconciliation import reconcile_organization
from billingone.billing.tests.builders import client, connect, invoice, product, subscription
from billingone.integrations.models import SyncRun
from billingone.integrations.providers.xero.testing import connect_xero


def xero_world(personas, xero_sim, *, licensed: int, billed: int) -> Finding:
    """Acme Dental holds `licensed` Microsoft 365 Business Standard seats and is billed `billed` this
    month in Xero (its contact is one the simulator knows): the finding of that gap."""
    org = personas.org_a
    connection = connect_xero(personas.alice, org, xero_sim)
    now = timezone.now()
    SyncRun.objects.create(  # what the worker leaves behind: coverage reads the last good run
        organization=org,
        connection=connection,
        provider="xero",
        trigger="schedule",
        status="succeeded",
        queued_at=now,
        started_at=now,
        finished_at=now,
    )
    connect(org, "pax8")
    standard = product(org, "Microsoft 365 Business Standard", code="M365-BS")
    _, company, contact = client(org, "Acme Dental")
    Customer.objects.filter(pk=contact.pk).update(external_id=xero_sim.tenant().data.customers[0].contact_id)
    subscription(org, company, standard, licensed, price="18.70")
    invoice(org, contact, [("M365-BS", billed, "18.70")], issued=timezone.localdate().replace(day=1))
    reconcile_organization(org, "test")
    return Finding.objects.get(organization=org, queued=True, product=standard)
