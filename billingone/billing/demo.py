"""The demo organization's reconciliation, ready on `make run` (never in production).

With the simulators' showcase story running (simulators/dataset.py SHOWCASE), the demo runs its
first syncs right away and is left as a person would leave it after a first review: confident
client links and product mappings confirmed, then reconciled. Its Reconciliation page and queue
then show an under-billed client, an annual licence billed once a year, an over-billed client,
a client missing from the books, the products nobody mapped yet and, when QuickBooks runs beside
Xero (make run), a stale source: see leave_quickbooks_stale.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from billingone.billing import client_flows, product_mapping
from billingone.billing.models import ProductItemMapping
from billingone.billing.reconciliation import reconcile_organization
from billingone.integrations import runner
from billingone.integrations.models import Connection, SyncRun
from billingone.orgs.models import Membership

CONFIDENT = 90
STALE_SOURCE, STALE_FOR = "quickbooks", timedelta(days=3)
STALE_REASON = (
    "Access to QuickBooks was revoked three days ago (in the demo's story the books are moving to Xero); "
    "reconnect it in Settings → Billing Integrations to read it again."
)


def prepare_demo_reconciliation(organization, owner) -> None:
    if not settings.DEMO_RECONCILED:
        return  # the syncs stay queued for the worker, suggestions wait for a person
    queued = SyncRun.objects.filter(organization=organization, status=SyncRun.Status.QUEUED)
    ran = [runner.execute_run(run.pk) for run in queued.order_by("queued_at", "pk")]
    if not ran:
        return  # already prepared, or the simulators are not running
    membership = Membership.objects.get(organization=organization, user=owner)
    client_flows.confirm_all_high(membership, None, threshold=CONFIDENT)
    product_mapping.refresh_suggestions(organization)
    confident = ProductItemMapping.objects.filter(organization=organization, confirmed=False, confidence__gte=CONFIDENT)
    for mapping in confident.select_related("product"):
        product_mapping.confirm_suggestion(mapping.product, actor=owner, role=membership.role)
    leave_quickbooks_stale(organization)
    reconcile_organization(organization, "demo", actor=owner)


def leave_quickbooks_stale(organization) -> bool:
    """The demo's stale source. QuickBooks' first sync really ran (above); the story moves it
    three days back and records the connection as needing attention (access revoked), so the
    scheduler leaves it for a person and reconciliation reports it as it would any source whose
    last good sync is older than its schedule allows: no data for the clients it bills, never
    matched, and one high-severity queue item. Reconnecting (or a restarted simulator, which
    makes the seed authorise again) heals it at the next sync."""
    connection = Connection.objects.filter(organization=organization, provider=STALE_SOURCE).first()
    if connection is None:
        return False  # its simulator is not running: nothing to tell
    runs = connection.runs.filter(status=SyncRun.Status.SUCCEEDED)
    if not runs.exists():
        return False
    runs.update(
        queued_at=F("queued_at") - STALE_FOR,
        started_at=F("started_at") - STALE_FOR,
        finished_at=F("finished_at") - STALE_FOR,
    )
    Connection.objects.filter(pk=connection.pk).update(
        status=Connection.Status.NEEDS_ATTENTION, status_reason=STALE_REASON, updated_at=timezone.now()
    )
    return True
