"""Stripe webhook deliveries applied to one organization's payment links, without a full sync.

`receive(connection, raw_body, headers)`: the signature is checked on the raw bytes with the
connection's own signing secret (each MSP's Stripe account has its own endpoint) before anything
is read; an event already applied (by id) is acknowledged and skipped; a handled event re-reads
its one link from Stripe and stores it through the billing store, so the stored row holds
absolute values and a reordered or repeated delivery changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from billingone.billing import store
from billingone.integrations.base import ProviderContext, ProviderError
from billingone.integrations.models import Connection, SyncRun
from billingone.integrations.providers.stripe import webhooks
from billingone.integrations.records import Kind

SEEN_EVENTS_KEPT = 500  # ids remembered per connection (Stripe retries a delivery for 3 days)
SEEN_KEY = "stripe_seen_events"


class Refused(Exception):
    """The delivery is not accepted; `status` is the HTTP answer."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass(frozen=True)
class Applied:
    event_id: str
    outcome: str  # "updated" | "removed" | "duplicate" | "ignored"


def receive(connection: Connection, raw_body: bytes, headers) -> Applied:
    secret = connection.get_credentials().get("webhook_secret", "") if connection.has_credentials else ""
    if not secret or not connection.is_connected:
        raise Refused(404, "no webhook endpoint here")
    if not webhooks.verify(raw_body, headers, secret):
        raise Refused(400, "bad signature")
    try:
        event = webhooks.parse(raw_body)
    except webhooks.BadEvent:
        raise Refused(400, "not a Stripe event") from None
    if event.id in (connection.config or {}).get(SEEN_KEY, []):
        return Applied(event.id, "duplicate")
    outcome = apply(connection, event) if event.handled else "ignored"
    remember(connection.pk, event.id)
    return Applied(event.id, outcome)


def apply(connection: Connection, event: webhooks.Event) -> str:
    """Re-read the event's link and store it (or flag it removed when Stripe no longer has it)."""
    from billingone.integrations.providers.stripe.provider import Stripe

    context = ProviderContext(
        organization=connection.organization,
        credentials=connection.get_credentials(),
        config=connection.config,
        connection=connection,
    )
    try:
        record = Stripe(context).refresh_link(event.link_id)
    except ProviderError as error:
        raise Refused(503, f"Stripe could not be read: {error.code}") from error  # Stripe retries later
    organization = connection.organization
    if record is None:
        store.remove(organization, Stripe.key, Kind.PAYMENT_LINK, [event.link_id])
        return "removed"
    store.upsert(organization, Stripe.key, run_for_stamp(connection), Kind.PAYMENT_LINK, [record])
    return "updated"


def run_for_stamp(connection: Connection) -> int:
    """The run a webhook-stored row counts as seen by: the one in flight, if any (so its sweep
    keeps a link created after it listed that page), else the latest run."""
    runs = SyncRun.objects.filter(connection=connection)
    active = runs.filter(status__in=SyncRun.ACTIVE).order_by("-pk").values_list("pk", flat=True).first()
    return active or runs.order_by("-pk").values_list("pk", flat=True).first() or 0


def remember(connection_pk: int, event_id: str) -> None:
    with transaction.atomic():
        connection = Connection.objects.select_for_update().get(pk=connection_pk)
        seen = [value for value in (connection.config or {}).get(SEEN_KEY, []) if value != event_id]
        connection.config = {**(connection.config or {}), SEEN_KEY: [*seen, event_id][-SEEN_EVENTS_KEPT:]}
        connection.save(update_fields=["config", "updated_at"])
