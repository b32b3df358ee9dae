"""The feed and the bell cost the same at 3 items as at 120, however many members the
organization has: one semi-join on the user's memberships, served by the unread index."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billingone.accounts.models import User
from billingone.notifications.flows import feed, unread_count
from billingone.notifications.models import Notification
from billingone.orgs.models import Membership
from billingone.testing.queries import assert_flat, statements_of

pytestmark = pytest.mark.django_db


def add_items(user, organization, count: int) -> None:
    Notification.objects.bulk_create(
        Notification(user=user, organization=None if n % 5 == 0 else organization, event="sync.failed", title=f"#{n}")
        for n in range(count)
    )


def add_members(organization, count: int) -> None:
    users = User.objects.bulk_create(User(email=f"m{n}@extra.test", password="!") for n in range(count))
    Membership.objects.bulk_create(Membership(user=u, organization=organization, role="viewer") for u in users)


@pytest.fixture
def alice(personas, client_for):
    add_items(personas.alice, personas.org_a, 3)
    return client_for(personas.alice)


def grow(personas):
    def more() -> None:
        add_items(personas.alice, personas.org_a, 120)
        add_members(personas.org_a, 40)

    return more


@pytest.mark.parametrize("path", ["/org-a/notifications/", "/org-a/notifications/badge/", "/api/v1/me/notifications"])
def test_flat_as_items_and_members_grow(personas, alice, path):
    assert_flat(alice, path, grow(personas))


def test_the_bell_counts_with_one_query(personas, alice):
    _, sql = statements_of(alice, "/org-a/notifications/badge/")
    assert sum("notifications_notification" in s for s in sql) == 1


def test_the_count_is_a_semi_join_not_a_join_through_every_member(personas):
    sql = str(feed(personas.alice).filter(read_at__isnull=True).query)
    assert "IN (SELECT" in sql and "JOIN" not in sql


def test_unread_count_is_served_by_the_unread_index(personas):
    add_items(personas.alice, personas.org_a, 50)
    with CaptureQueriesContext(connection) as queries:
        unread_count(personas.alice)
    (count_sql,) = [query["sql"] for query in queries]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # tiny table: ask whether the index can serve it
        cursor.execute(("EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ") + count_sql)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "notification_user_unread" in plan, plan


def test_items_of_an_organization_left_are_not_counted(personas):
    add_items(personas.alice, personas.org_a, 10)  # 2 personal, 8 of Org A
    assert unread_count(personas.alice) == 10
    Membership.objects.filter(user=personas.alice, organization=personas.org_a).delete()
    assert unread_count(personas.alice) == 2
