"""Named budgets of the integrations area (SECURITY.md #41), counted from the append-only audit
trail so every process sees the same count:

- Test Connection: each attempt spends the provider's rate budget and tries a secret.
- Sync now: a person may start a connection's sync once per cooldown; the schedule is not limited.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from billingone.audit.models import AuditEvent

PERSON_TRIGGERS = ("person", "sync_all")


@dataclass(frozen=True)
class Budget:
    name: str
    limit: int
    window: timedelta
    reason: str


def test_connection_budget() -> Budget:
    return Budget(
        "test_connection",
        settings.INTEGRATION_TEST_CONNECTION_LIMIT,
        timedelta(minutes=settings.INTEGRATION_TEST_CONNECTION_WINDOW_MINUTES),
        "Test Connection attempts per integration: each one calls the provider and tries a secret",
    )


class TooSoon(Exception):
    """A budget is spent: the message says what and `retry_after` when to try again."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.message, self.retry_after = message, max(1, retry_after)


def _seconds_until(moment, now) -> int:
    return math.ceil((moment - now).total_seconds())


def check_test_connection(organization, provider_key: str) -> None:
    budget, now = test_connection_budget(), timezone.now()
    recent = AuditEvent.objects.filter(
        organization=organization,
        action="integration.test",
        data__provider=provider_key,
        created_at__gte=now - budget.window,
    ).order_by("-created_at")
    moments = list(recent.values_list("created_at", flat=True)[: budget.limit])
    if len(moments) >= budget.limit:
        wait = _seconds_until(moments[-1] + budget.window, now)
        raise TooSoon(f"Too many connection tests: {budget.limit} per {budget.window.seconds // 60} minutes.", wait)


def check_sync_cooldown(organization, provider_key: str) -> None:
    cooldown = timedelta(seconds=settings.SYNC_NOW_COOLDOWN_SECONDS)
    if not cooldown:
        return
    now = timezone.now()
    last = (
        AuditEvent.objects.filter(
            organization=organization,
            action="integration.sync.request",
            data__provider=provider_key,
            data__trigger__in=PERSON_TRIGGERS,
            created_at__gt=now - cooldown,
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is not None:
        wait = _seconds_until(last + cooldown, now)
        raise TooSoon(f"A sync was started moments ago; you can start another in {max(1, wait)} s.", wait)
