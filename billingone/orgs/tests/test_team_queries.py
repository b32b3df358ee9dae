"""The Team page and GET /members are sorted and paginated by the database: the same
statements at 5 members as at 85, Owners first, then by email."""

from __future__ import annotations

import pytest

from billingone.accounts.models import User
from billingone.orgs.members import team_members
from billingone.orgs.models import Membership
from billingone.testing.queries import assert_flat

pytestmark = pytest.mark.django_db

TEAM_PAGE = "/org-a/settings/team/"
MEMBERS = "/api/v1/orgs/org-a/members"


def add_members(organization, count: int, role: str = "viewer", prefix: str = "m") -> None:
    users = User.objects.bulk_create(User(email=f"{prefix}{n:03d}@extra.test", password="!") for n in range(count))
    Membership.objects.bulk_create(Membership(user=u, organization=organization, role=role) for u in users)


@pytest.mark.parametrize("path", [TEAM_PAGE, MEMBERS])
def test_flat_as_the_team_grows(personas, client_for, path):
    assert_flat(client_for(personas.alice), path, lambda: add_members(personas.org_a, 80))


def test_most_powerful_role_first_then_email(personas):
    add_members(personas.org_a, 3, role="admin", prefix="a")
    roles = [(m.role, m.user.email) for m in team_members(personas.org_a).select_related("user")]
    assert roles[0] == ("owner", "alice@org-a.test")
    assert [email for role, email in roles if role == "admin"] == [
        "a000@extra.test", "a001@extra.test", "a002@extra.test", "adam@org-a.test",
    ]  # fmt: skip
    assert roles[-1] == ("viewer", "bob@org-a.test")


def test_the_team_page_pages_through_members(personas, client_for):
    add_members(personas.org_a, 60)
    client = client_for(personas.alice)
    first = client.get(TEAM_PAGE).content.decode()
    assert first.count("data-member=") == 50 and "Page 1 of 2" in first and 'data-member="alice@org-a.test"' in first
    second = client.get(TEAM_PAGE + "?page=2").content.decode()
    assert second.count("data-member=") == 15 and 'data-member="m059@extra.test"' in second


def test_the_api_pages_through_members_in_the_same_order(personas, client_for):
    add_members(personas.org_a, 60)
    client = client_for(personas.alice)
    first = client.get(MEMBERS + "?limit=40").json()
    second = client.get(f"{MEMBERS}?limit=40&cursor={first['next']}").json()
    emails = [item["email"] for item in first["items"] + second["items"]]
    assert first["count"] == 65 and second["next"] is None and len(set(emails)) == 65
    assert emails[0] == "alice@org-a.test" and emails[-1] == "m059@extra.test"
    assert {"mfa_enabled", "last_active_at"} <= set(first["items"][0])
