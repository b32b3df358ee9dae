"""The demo organization: "Demo MSP" with one member per role (never in production)."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction

from billingone.accounts.models import User
from billingone.orgs.flows import create_organization
from billingone.orgs.models import Membership, Organization
from billingone.orgs.roles import Role

DEMO_SLUG = "demo"
DEMO_NAME = "Demo MSP"
DEMO_PASSWORD = "billingone-demo"  # noqa: S105 - published demo password, refused in production
DEMO_MEMBERS = (
    ("owner@demo.test", "Olivia Owner", Role.OWNER),
    ("admin@demo.test", "Adam Admin", Role.ADMIN),
    ("finance@demo.test", "Fiona Finance", Role.FINANCE),
    ("engineer@demo.test", "Ethan Engineer", Role.ENGINEER),
    ("viewer@demo.test", "Vera Viewer", Role.VIEWER),
)


class DemoRefused(Exception):
    pass


def demo_user(email: str, name: str) -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, name=name)
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def seed_demo() -> Organization:
    """Create or complete the demo organization; running it again changes nothing.

    Only the organization and its members are one transaction. The first syncs commit as they
    go, as the worker's do: inside one long transaction the sync's own HTTP threads waited on
    the rate-budget rows it held (seconds per call on SQLite, forever on PostgreSQL)."""
    if settings.PRODUCTION:
        raise DemoRefused("The demo is never seeded in production.")
    with transaction.atomic():
        owner_email, owner_name, _ = DEMO_MEMBERS[0]
        owner = demo_user(owner_email, owner_name)
        organization = Organization.objects.filter(slug=DEMO_SLUG).first()
        if organization is None:
            organization = create_organization(owner, DEMO_NAME, slug=DEMO_SLUG)
        for email, name, role in DEMO_MEMBERS:
            user = demo_user(email, name)
            Membership.objects.get_or_create(user=user, organization=organization, defaults={"role": role})
    wire_demo_integrations(organization, owner)
    from billingone.notifications.demo import seed_demo_notifications

    seed_demo_notifications(organization, owner)
    return organization


def wire_demo_integrations(organization: Organization, owner: User) -> None:
    """Point the demo's integrations at the running simulators (make run) and queue first syncs:
    each provider package's `demo.wire_demo`, in registry order."""
    import importlib

    from billingone.integrations.registry import PROVIDERS

    for provider in PROVIDERS.values():
        package = provider.__module__.rpartition(".")[0]
        try:
            demo = importlib.import_module(f"{package}.demo")
        except ModuleNotFoundError:
            continue  # a provider without demo wiring is simply not connected in the demo
        demo.wire_demo(organization, owner)
    from billingone.billing.demo import prepare_demo_reconciliation

    prepare_demo_reconciliation(organization, owner)
