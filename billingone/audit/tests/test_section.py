"""The Audit Logs section and the audit-log API: filters, sync history, CSV, access."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from billingone.audit.log import diff, record
from billingone.audit.models import AuditEvent
from billingone.audit.query import safe_cell

SECTION = "/org-a/settings/audit/"
API = "/api/v1/orgs/org-a/audit-log"


@pytest.fixture
def log(personas):
    """A small history: a role change by Alice, a policy change by Adam, sync runs, old entries."""
    alice, adam = personas.alice, personas.member("admin")
    membership = personas.bob.memberships.get()
    with time_machine.travel(timezone.now() - timedelta(days=10), tick=False):
        record(
            "notifications.policy_update",
            organization=personas.org_a,
            actor=adam,
            target=personas.org_a,
            changes=diff({"sync_failures_enabled": False}, {"sync_failures_enabled": True}),
        )
    record(
        "notifications.policy_update",
        organization=personas.org_a,
        actor=alice,
        target=membership,
        target_label='=HYPERLINK("http://evil.example")',
        changes=diff({"role": "viewer"}, {"role": "finance"}),
    )
    record(
        "integration.sync.succeed",
        organization=personas.org_a,
        target_label="Pax8",
        data={
            "provider": "pax8",
            "provider_name": "Pax8",
            "mode": "full",
            "counts": {"subscriptions": 42},
            "duration_seconds": 3.25,
        },
    )
    record(
        "integration.sync.fail",
        organization=personas.org_a,
        actor=alice,
        target_label="Xero",
        data={"provider": "xero", "provider_name": "Xero", "error": "Xero refused the token", "counts": {}},
    )
    record("notifications.policy_update", organization=personas.org_b, actor=personas.charlie)  # another tenant
    return personas


def test_finance_sees_the_log_with_sync_history(log, client_for):
    response = client_for(log.member("finance")).get(SECTION)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Sync history" in page and "42 subscriptions" in page and "3.2 s" in page
    assert "Xero refused the token" in page
    assert "adam@org-a.test" in page and "alice@org-a.test" in page
    assert "charlie@org-b.test" not in page  # Org B's log never shows here
    assert "<del>viewer</del> → <ins>finance</ins>" in page


@pytest.mark.parametrize("role", ["engineer", "viewer"])
def test_roles_without_audit_read_get_403(log, client_for, role):
    client = client_for(log.member(role))
    assert client.get(SECTION).status_code == 403
    assert client.get(SECTION + "export.csv").status_code == 403
    assert client.get(API).status_code == 403


def test_outsider_gets_404(log, client_for):
    client = client_for(log.charlie)
    assert client.get(SECTION).status_code == 404
    assert client.get(SECTION + "export.csv").status_code == 404
    assert client.get(API).status_code == 404
    assert client.get(API + ".csv").status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("actor=adam@org-a.test", {"notifications.policy_update"}),
        ("actor=system", {"integration.sync.succeed"}),
        ("action=integration.sync.*", {"integration.sync.succeed", "integration.sync.fail"}),
        ("action=integration.sync.fail", {"integration.sync.fail"}),
        ("target_type=orgs.membership", {"notifications.policy_update"}),
    ],
)
def test_web_filters(log, client_for, query, expected):
    response = client_for(log.alice).get(f"{SECTION}?{query}")
    rows = response.context["page"].object_list
    assert {event.action for event in rows} == expected
    assert rows  # the filter matched something


def test_web_date_range_and_bad_dates(log, client_for):
    client = client_for(log.alice)
    today = timezone.now().date()
    recent = client.get(f"{SECTION}?since={today - timedelta(days=1)}").context["page"].object_list
    assert "adam@org-a.test" not in {e.actor_label for e in recent}
    older = client.get(f"{SECTION}?until={today - timedelta(days=5)}").context["page"].object_list
    assert [e.actor_label for e in older] == ["adam@org-a.test"]
    response = client.get(f"{SECTION}?since=yesterday&until=2026-02-31")
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"since", "until"}
    response = client.get(f"{SECTION}?since={today}&until={today - timedelta(days=3)}")
    assert "until" in response.context["form"].errors


def test_api_lists_and_filters(log, client, app_token):
    headers = {"X-Session-Token": app_token(log.member("finance"))}
    body = client.get(API, headers=headers).json()
    assert body["count"] == 4  # Org A's four entries; Org B's is not counted
    first = body["items"][0]
    assert set(first) == {"id", "at", "actor", "action", "description", "target", "ip", "changes", "data"}
    assert first["at"].endswith("Z")
    body = client.get(f"{API}?actor=alice@org-a.test&action=integration.sync.fail", headers=headers).json()
    assert [item["data"]["error"] for item in body["items"]] == ["Xero refused the token"]
    since = (timezone.now() - timedelta(days=2)).isoformat()
    body = client.get(API, {"since": since}, headers=headers).json()
    assert all(item["actor"]["label"] != "adam@org-a.test" for item in body["items"])


@pytest.mark.parametrize("query", ["since=nope", "until=2026-13-01", "since=2026-05-02&until=2026-05-01", "limit=0"])
def test_api_bad_filters_are_422(log, client_for, query):
    response = client_for(log.alice).get(f"{API}?{query}")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


def read_csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("url", [SECTION + "export.csv", API + ".csv"])
def test_csv_export_is_filtered_safe_and_audited(log, client_for, url):
    response = client_for(log.alice).get(f"{url}?action=notifications.policy_update")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="audit-log-org-a-' in response["Content-Disposition"]
    rows = read_csv(response)
    assert len(rows) == 2
    labels = {row["target"] for row in rows}
    assert '\'=HYPERLINK("http://evil.example")' in labels  # neutralised
    export = AuditEvent.objects.get(action="audit.export")
    assert export.data["rows"] == 2 and export.data["filters"] == {"action": "notifications.policy_update"}
    assert export.actor == log.alice


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tlead", "'\tlead"),
        ("  =padded", "'  =padded"),
        ("plain text", "plain text"),
        ({"a": 1}, '{"a": 1}'),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_sidebar_lists_audit_for_finance_not_engineer(log, client_for):
    assert SECTION in client_for(log.member("finance")).get("/org-a/settings/notifications/").content.decode()
    assert SECTION not in client_for(log.member("engineer")).get("/org-a/settings/notifications/").content.decode()
