"""The Audit Logs section and GET /audit-log cost the same at 4 entries as at 300: the filter
choices are distinct values reduced by the database, in one query."""

from __future__ import annotations

import pytest

from billingone.audit.events import describe
from billingone.audit.forms import AuditFilterForm, filter_values
from billingone.audit.models import AuditEvent
from billingone.testing.queries import assert_flat

pytestmark = pytest.mark.django_db

ACTIONS = ["member.invite", "member.role_change", "org.update"]


def add_events(personas, count: int) -> None:
    people = list(personas.members.values())
    AuditEvent.objects.bulk_create(
        AuditEvent(
            organization=personas.org_a,
            actor=people[n % len(people)],
            actor_label=people[n % len(people)].email,
            action=ACTIONS[n % len(ACTIONS)],
            target_type="orgs.membership" if n % 2 else "",
            target_id=str(n),
        )
        for n in range(count)
    )


@pytest.mark.parametrize("path", ["/org-a/settings/audit/", "/api/v1/orgs/org-a/audit-log"])
def test_flat_as_the_log_grows(personas, client_for, path):
    add_events(personas, 4)
    assert_flat(client_for(personas.alice), path, lambda: add_events(personas, 300))


def test_filter_choices_are_the_distinct_values_sorted(personas):
    add_events(personas, 40)
    AuditEvent.objects.bulk_create([AuditEvent(organization=personas.org_b, actor_label="x@org-b.test", action="zz.b")])
    actors, actions, targets = filter_values(personas.org_a)
    assert actors == sorted(m.email for m in personas.members.values())
    assert actions == ACTIONS and targets == ["orgs.membership"]
    form = AuditFilterForm(personas.org_a)
    assert [value for value, _ in form.fields["action"].choices] == ["", *sorted(ACTIONS, key=describe)]  # by label
    assert ("system", "System") in form.fields["actor"].choices
