"""Organization flows: creating one, and remembering which one a user works in."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest

from billingone.audit.log import record
from billingone.orgs.models import Membership, Organization
from billingone.orgs.roles import Role
from billingone.orgs.slugs import suggest_slug


@transaction.atomic
def create_organization(user, name: str, *, request: HttpRequest | None = None, slug: str = "") -> Organization:
    """A new organization with `user` as its Owner, audited."""
    name = name.strip()[:100] or f"{user.display_name}'s organization"
    slug = slug or suggest_slug(name, lambda s: Organization.objects.filter(slug=s).exists())
    organization = Organization(name=name, slug=slug)
    organization.full_clean()
    organization.save()
    Membership.objects.create(user=user, organization=organization, role=Role.OWNER)
    user.last_organization = organization
    user.save(update_fields=["last_organization"])
    record(
        "org.create",
        organization=organization,
        request=request,
        actor=user,
        target=organization,
        changes={"name": {"before": None, "after": name}, "slug": {"before": None, "after": slug}},
    )
    return organization


def landing_organization(user) -> Organization | None:
    """Where a user lands after sign-in: the organization used last, else their first."""
    memberships = Membership.objects.filter(user=user).select_related("organization")
    if user.last_organization_id and any(m.organization_id == user.last_organization_id for m in memberships):
        return user.last_organization
    first = memberships.order_by("created_at").first()
    return first.organization if first else None


def remember_organization(user, organization: Organization) -> None:
    if user.last_organization_id != organization.pk:
        user.last_organization = organization
        user.save(update_fields=["last_organization"])
