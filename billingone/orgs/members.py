"""The team list (Team page and GET /members): ordered and paginated by the database.

Members are ordered by role power (Owner first), then email, in SQL; only the page shown is
loaded, with its MFA state and last activity read for those rows alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.db.models import Case, Exists, OuterRef, QuerySet, Subquery, Value, When

from billingone.orgs import roles
from billingone.orgs.models import Membership, Organization

MFA_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


@dataclass
class MemberRow:
    membership: Membership
    mfa_enabled: bool
    last_active: datetime | None


def by_power_then_email(memberships: QuerySet[Membership]) -> QuerySet[Membership]:
    power = Case(
        *[When(role=role.value, then=Value(rank)) for rank, role in enumerate(roles.ROLES_BY_POWER)],
        default=Value(len(roles.ROLES_BY_POWER)),
    )
    return memberships.alias(power=power).order_by("power", "user__email", "pk")


def team_members(organization: Organization) -> QuerySet[Membership]:
    """The organization's memberships, most powerful role first, then by email: cheap to count
    and slice; member_rows() turns a slice into rows."""
    return by_power_then_email(Membership.objects.filter(organization=organization))


def member_rows(memberships: QuerySet[Membership]) -> list[MemberRow]:
    """Rows for a slice of team_members(), in one query whose MFA and last-activity subqueries
    run for the slice's rows only (the slice is a LIMITed `IN (SELECT …)`)."""
    factors = Authenticator.objects.filter(user_id=OuterRef("user_id"), type__in=MFA_FACTORS)
    seen = UserSession.objects.filter(user_id=OuterRef("user_id")).order_by("-last_seen_at").values("last_seen_at")
    page = by_power_then_email(Membership.objects.filter(pk__in=memberships.values("pk")))
    page = page.select_related("user").annotate(mfa_enabled=Exists(factors), session_seen=Subquery(seen[:1]))
    return [MemberRow(m, m.mfa_enabled, _latest(m.session_seen, m.user.last_login)) for m in page]


def member_row(membership: Membership) -> MemberRow:
    return member_rows(Membership.objects.filter(pk=membership.pk))[0]


def _latest(*moments: datetime | None) -> datetime | None:
    return max((moment for moment in moments if moment), default=None)
