"""In the browser: Finance filters the audit log to sync history and exports it as CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from billingone.audit.log import record
from billingone.testing.browser import sign_in


@pytest.mark.browser
def test_finance_filters_sync_history_and_exports_csv(transactional_db, personas, page, live_url, password):
    org = personas.org_a
    record(
        "integration.sync.fail",
        organization=org,
        target_label="Xero",
        data={"provider_name": "Xero", "error": "=cmd|' /C calc'!A0", "counts": {}},
    )
    record(
        "integration.sync.succeed",
        organization=org,
        target_label="Pax8",
        data={"provider_name": "Pax8", "counts": {"subscriptions": 12}, "duration_seconds": 2.0},
    )
    record("notifications.policy_update", organization=org, actor=personas.alice, target=org)

    sign_in(page, live_url, personas.member("finance").email, password)
    page.goto(f"{live_url}/org-a/settings/audit/")
    expect(page.get_by_role("heading", name="Sync history")).to_be_visible()
    expect(page.locator(".sync-history tbody tr")).to_have_count(2)
    page.select_option("select[name=action]", "integration.sync.*")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".audit-table tbody tr")).to_have_count(2)
    expect(page.locator(".audit-table")).not_to_contain_text("notifications.policy_update")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    text = Path(download_info.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {row["action"] for row in rows} == {"integration.sync.fail", "integration.sync.succeed"}
    failed = next(row for row in rows if row["action"] == "integration.sync.fail")
    assert '"error": "=cmd' in failed["data"] and failed["data"].startswith("{")
