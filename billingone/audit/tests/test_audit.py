"""The audit trail: who/what/when on every entry, registered actions only, append-only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from billingone.audit.events import AUDIT_EVENTS
from billingone.audit.log import diff, record
from billingone.audit.models import AuditEvent, AuditImmutableError
from billingone.orgs.tenancy import gate

pytestmark = pytest.mark.django_db
DOCS = Path(__file__).resolve().parents[3] / "docs" / "security" / "audit-events.md"


def test_record_fills_who_what_when_where(personas):
    request = RequestFactory().post("/x", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Firefox/140")
    request.user = personas.alice
    event = record(
        "org.create",
        organization=personas.org_a,
        request=request,
        target=personas.org_a,
        changes=diff({"name": "Old"}, {"name": "New"}),
    )
    event.refresh_from_db()
    assert event.actor == personas.alice and event.actor_label == "alice@org-a.test"
    assert event.actor_kind == "user"
    assert event.ip == "203.0.113.9" and event.user_agent == "Firefox/140"
    assert (event.target_type, event.target_id, event.target_label) == (
        "orgs.organization",
        str(personas.org_a.pk),
        "Org A Networks",
    )
    assert event.changes == {"name": {"before": "Old", "after": "New"}}
    assert event.created_at.utcoffset().total_seconds() == 0


def test_without_a_user_the_actor_is_the_system(personas):
    event = record("org.create", organization=personas.org_a)
    assert event.actor is None and event.actor_kind == "system"


def test_unregistered_actions_are_refused(personas):
    with pytest.raises(ValueError, match="Unregistered audit action"):
        record("org.teleport", organization=personas.org_a)


def test_diff_lists_only_changed_fields():
    assert diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == {
        "b": {"before": 2, "after": 3},
        "c": {"before": None, "after": 4},
    }


def test_events_cannot_be_changed_or_deleted_through_the_orm(personas):
    event = record("org.create", organization=personas.org_a)
    event.action = "user.signup"
    with pytest.raises(AuditImmutableError):
        event.save()
    with pytest.raises(AuditImmutableError):
        event.delete()
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(pk=event.pk).update(action="user.signup")
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_auditevent SET action = 'x' WHERE id = %s", "DELETE FROM audit_auditevent WHERE id = %s"],
)
def test_the_database_refuses_update_and_delete(personas, statement):
    event = record("org.create", organization=personas.org_a)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "org.create"


def test_every_registered_action_is_documented_and_vice_versa():
    documented = set(re.findall(r"^\| `([a-z_.]+)` \|", DOCS.read_text(), re.MULTILINE))
    assert documented == set(AUDIT_EVENTS)


def test_denied_access_is_audited(personas):
    request = RequestFactory().post("/org-a/settings/team/", REMOTE_ADDR="198.51.100.7")
    request.user = personas.bob
    with pytest.raises(PermissionDenied):
        gate(request, "org-a", "members.manage")
    denied = AuditEvent.objects.get(organization=personas.org_a, action="authz.denied")
    assert denied.actor == personas.bob and denied.ip == "198.51.100.7"
    assert denied.data == {"capability": "members.manage", "path": "/org-a/settings/team/", "role": "viewer"}
