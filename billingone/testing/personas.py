"""Personas (STYLE.md habit 9): Org A has one member per role, Org B has an owner."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress

from billingone.accounts.models import User
from billingone.orgs.models import Membership, Organization
from billingone.orgs.roles import Role

PASSWORD = "correct horse battery staple"  # 28 characters: passes the validators

ORG_A_MEMBERS = {
    Role.OWNER: ("alice@org-a.test", "Alice Owner"),
    Role.ADMIN: ("adam@org-a.test", "Adam Admin"),
    Role.FINANCE: ("fiona@org-a.test", "Fiona Finance"),
    Role.ENGINEER: ("ethan@org-a.test", "Ethan Engineer"),
    Role.VIEWER: ("bob@org-a.test", "Bob Viewer"),
}


@dataclass
class Personas:
    org_a: Organization
    org_b: Organization
    members: dict[Role, User]  # Org A, by role
    charlie: User  # Org B's owner, an outsider to Org A

    @property
    def alice(self) -> User:
        return self.members[Role.OWNER]

    @property
    def bob(self) -> User:
        return self.members[Role.VIEWER]

    def member(self, role: Role | str) -> User:
        return self.members[Role(role)]


def make_user(email: str, name: str = "", password: str = PASSWORD) -> User:
    user = User.objects.create_user(email=email, password=password, name=name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def make_personas() -> Personas:
    org_a = Organization.objects.create(name="Org A Networks", slug="org-a")
    org_b = Organization.objects.create(name="Org B Systems", slug="org-b")
    members = {}
    for role, (email, name) in ORG_A_MEMBERS.items():
        user = make_user(email, name)
        Membership.objects.create(user=user, organization=org_a, role=role)
        members[role] = user
    charlie = make_user("charlie@org-b.test", "Charlie Owner")
    Membership.objects.create(user=charlie, organization=org_b, role=Role.OWNER)
    return Personas(org_a=org_a, org_b=org_b, members=members, charlie=charlie)
