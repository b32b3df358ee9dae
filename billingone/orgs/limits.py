"""Named rate-limit budgets of the organization area (SECURITY.md #41).

Budgets are counted from the audit trail, which is append-only: revoking an invitation
does not give its email back, and every process sees the same count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from billingone.audit.models import AuditEvent
from billingone.orgs.errors import RateLimited


@dataclass(frozen=True)
class Budget:
    name: str
    limit: int
    window: timedelta
    actions: tuple[str, ...]
    bulk: bool  # counts the bulk import's invitations (True) or the one-by-one ones (False)
    reason: str


# One-by-one invitations and resends: each sends an email to an address we do not know yet.
INVITES = Budget(
    "invites",
    20,
    timedelta(days=1),
    ("member.invite", "member.invite_resend"),
    False,
    "invitation emails per organization per day: stops the product being used to spam",
)
# The bulk import is for onboarding a whole company at once; it has its own, larger budget.
BULK_INVITES = Budget(
    "bulk_invites",
    10_000,
    timedelta(days=1),
    ("member.invite",),
    True,
    "invitations sent by bulk import per organization per day",
)


def used(budget: Budget, organization) -> int:
    since = timezone.now() - budget.window
    events = AuditEvent.objects.filter(organization=organization, action__in=budget.actions, created_at__gte=since)
    if budget.bulk:
        return events.filter(data__source="bulk").count()
    return events.exclude(data__source="bulk").count()


def remaining(budget: Budget, organization) -> int:
    return max(0, budget.limit - used(budget, organization))


def spend(budget: Budget, organization, amount: int = 1) -> None:
    """Raise RateLimited when `amount` more would exceed the budget (the caller then records them)."""
    if remaining(budget, organization) < amount:
        raise RateLimited(
            f"Limit reached: {budget.limit} {budget.reason.split(':')[0]}. Try again tomorrow.",
            retry_after=int(budget.window.total_seconds()),
        )
