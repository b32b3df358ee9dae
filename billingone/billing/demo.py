"""The demo organization's reconciliation, ready on `make run` (never in production).

With the simulators' showcase story running (simulators/dataset.py SHOWCASE), the demo runs its
first syncs right away and is left as a person would leave it after a first review: confident
client links and product mappings confirmed, then reconciled. Its Reconciliation page and queue
then show an under-billed client, an annual licence billed once a year, an over-billed client,
a client missing from the books and the products nobody mapped yet.
"""

from __future__ import annotations

from django.conf import settings

from billingone.billing import client_flows, product_mapping
from billingone.billing.models import ProductItemMapping
from billingone.billing.reconciliation import reconcile_organization
from billingone.integrations import runner
from billingone.integrations.models import SyncRun
from billingone.orgs.models import Membership

CONFIDENT = 90


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
    reconcile_organization(organization, "demo", actor=owner)
