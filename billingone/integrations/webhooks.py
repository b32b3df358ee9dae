"""Provider webhooks: one receiver per provider at /webhooks/<provider>/, one way to act on them.

A provider that pushes events sets `Provider.webhooks` to a `WebhookHooks`:

    verify(raw_body: bytes, headers, secret: str) -> bool   the signature, on the raw bytes
    parse(raw_body: bytes) -> list[WebhookEvent]            only called once verify() said yes;
                                                            ValueError for a malformed body
    secret_setting                                          the setting holding the signing key

Each event names the provider account it concerns (`account_id`: a Xero tenant, a QuickBooks
realm); the connections whose chosen account it is (config["account_id"], set by the OAuth
connect) get a delta sync. Events are thin, so they only say *that* something changed: many
events become one queued run per connection. A run already queued picks the change up when
it starts; a run already running may have read past it, so one follow-up delta is queued
after it (never more than one waiting per connection).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from billingone.integrations.models import Connection, SyncRun

logger = logging.getLogger(__name__)
FOLLOW_UP_FLAG = "webhook_follow_up"


@dataclass(frozen=True)
class WebhookEvent:
    account_id: str  # the provider account the event concerns
    category: str = ""  # e.g. INVOICE, CONTACT (for logs; the sync reads what changed)
    resource_id: str = ""


@dataclass(frozen=True)
class WebhookHooks:
    secret_setting: str
    verify: Callable[[bytes, Mapping[str, str], str], bool]
    parse: Callable[[bytes], list[WebhookEvent]]
    sync_mode: str = "delta"


class WebhookRefused(Exception):
    """The delivery is not accepted; `status` is the HTTP answer (the body stays empty)."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass
class Receipt:
    events: int = 0
    queued: list[int] = field(default_factory=list)  # run ids
    coalesced: int = 0  # connections whose queued run already covers the events
    follow_ups: int = 0  # connections that get one delta after their running run


def hooks_for(provider_key: str) -> WebhookHooks | None:
    """The provider's webhook hooks (None when it has none); providers import this module, so
    the registry is looked up at call time."""
    from billingone.integrations import registry

    return getattr(registry.PROVIDERS.get(provider_key), "webhooks", None)


def configured_hooks(provider_key: str) -> WebhookHooks:
    hooks = hooks_for(provider_key)
    if hooks is None or not getattr(settings, hooks.secret_setting, ""):
        raise WebhookRefused(404, "no webhooks for this provider")
    return hooks


def receive(provider_key: str, raw_body: bytes, headers: Mapping[str, str]) -> Receipt:
    """Check the signature on the raw body, then turn the events into delta syncs."""
    hooks = configured_hooks(provider_key)
    if not hooks.verify(raw_body, headers, getattr(settings, hooks.secret_setting)):
        logger.warning("webhook signature refused", extra={"provider": provider_key, "bytes": len(raw_body)})
        raise WebhookRefused(401, "bad signature")
    try:
        events = hooks.parse(raw_body)
    except ValueError:
        raise WebhookRefused(400, "malformed body") from None
    receipt = Receipt(events=len(events))
    accounts = sorted({event.account_id for event in events if event.account_id})
    if not accounts:
        return receipt  # an intent-to-receive probe, or events for nobody we know
    connections = Connection.objects.filter(provider=provider_key, config__account_id__in=accounts)
    for connection in connections.select_related("organization"):
        if connection.is_connected:
            _count(receipt, queue_delta(connection, hooks.sync_mode))
    logger.info(
        "webhook received",
        extra={"provider": provider_key, "events": receipt.events, "queued": len(receipt.queued)},
    )
    return receipt


def _count(receipt: Receipt, outcome: SyncRun | str) -> None:
    if isinstance(outcome, SyncRun):
        receipt.queued.append(outcome.pk)
    elif outcome == "coalesced":
        receipt.coalesced += 1
    elif outcome == "follow_up":
        receipt.follow_ups += 1


def queue_delta(connection: Connection, mode: str) -> SyncRun | str:
    """One delta for this connection: a new run, or "coalesced" into the queued one, or one
    "follow_up" after the running one; "skipped" when it is no longer connected."""
    from billingone.integrations.flows import NotConnected, SyncInProgress, request_sync

    try:
        return request_sync(connection.organization, connection.provider, mode=mode, trigger=SyncRun.Trigger.WEBHOOK)
    except NotConnected:
        return "skipped"
    except SyncInProgress as busy:
        if busy.run.status == SyncRun.Status.QUEUED:
            return "coalesced"  # it has not read anything yet: it will see the change
        return "follow_up" if _schedule_follow_up(connection.pk) else "coalesced"


def _schedule_follow_up(connection_pk: int) -> bool:
    """Queue the follow-up task unless one is already waiting. Returns whether it queued one."""
    delay = timedelta(seconds=getattr(settings, "WEBHOOK_FOLLOW_UP_SECONDS", 30))
    with transaction.atomic():
        connection = Connection.objects.select_for_update().get(pk=connection_pk)
        if (connection.config or {}).get(FOLLOW_UP_FLAG):
            return False
        connection.config = {**(connection.config or {}), FOLLOW_UP_FLAG: True}
        connection.save(update_fields=["config", "updated_at"])
        follow_up.using(run_after=timezone.now() + delay).enqueue(connection_pk)
    return True


@task
def follow_up(connection_pk: int) -> str:
    """The delta owed to events that arrived while a run was running (tried again while it runs)."""
    with transaction.atomic():
        connection = Connection.objects.select_for_update().select_related("organization").filter(pk=connection_pk)
        connection = connection.first()
        if connection is None:
            return "gone"
        connection.config = {k: v for k, v in (connection.config or {}).items() if k != FOLLOW_UP_FLAG}
        connection.save(update_fields=["config", "updated_at"])
    hooks = hooks_for(connection.provider)
    outcome = queue_delta(connection, hooks.sync_mode if hooks else "delta")
    return outcome if isinstance(outcome, str) else f"queued {outcome.pk}"
