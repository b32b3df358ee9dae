"""The mobile API and QuickBooks: listed with its status, company and the delta / full /
reconcile actions; connecting is web-only; a reconcile run is accepted; its invoices come back
with `source: quickbooks`, lines included."""

from __future__ import annotations

from billingone.integrations.providers.quickbooks.testing import credentials_for
from billingone.integrations.testing import connect
from billingone.testing.tasks import run_pending_tasks


def test_listed_with_its_modes_and_connect_is_web_only(personas, client_for, qbo_wired):
    api = client_for(personas.alice)
    listed = api.get("/api/v1/orgs/org-a/integrations").json()["items"]
    quickbooks = next(item for item in listed if item["provider"] == "quickbooks")
    assert quickbooks["status"] == "not_connected" and quickbooks["actions"] == ["configure"]
    refused = api.post("/api/v1/orgs/org-a/integrations/quickbooks/connect")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "web_only"
    assert refused.json()["error"]["web_url"].endswith("/org-a/settings/integrations/quickbooks/")

    credentials = credentials_for(qbo_wired)
    connect(
        personas.org_a,
        "quickbooks",
        credentials,
        {"account_id": credentials["account_id"], "account_name": "Demo MSP LLC"},
    )
    detail = api.get("/api/v1/orgs/org-a/integrations/quickbooks").json()
    assert detail["status"] == "connected"
    assert [a for a in detail["actions"] if a.startswith("sync:")] == ["sync:delta", "sync:full", "sync:reconcile"]


def test_a_reconcile_run_and_invoices_with_their_source(personas, client_for, qbo_wired):
    credentials = credentials_for(qbo_wired)
    connect(personas.org_a, "quickbooks", credentials, {"account_id": credentials["account_id"]})
    api = client_for(personas.alice)
    queued = api.post(
        "/api/v1/orgs/org-a/integrations/quickbooks/sync", {"mode": "reconcile"}, content_type="application/json"
    )
    assert queued.status_code == 202
    run_pending_tasks()
    run = api.get(f"/api/v1/orgs/org-a/sync-runs/{queued.json()['run']['id']}").json()
    assert run["status"] == "succeeded", run
    invoices = api.get("/api/v1/orgs/org-a/invoices?source=quickbooks").json()
    assert invoices["items"] and {item["source"] for item in invoices["items"]} == {"quickbooks"}
    first = invoices["items"][0]
    detail = api.get(f"/api/v1/orgs/org-a/invoices/{first['id']}").json()
    assert len(detail["lines"]) == 3 and detail["url"].startswith(f"{qbo_wired.url}/app/invoice?txnId=")
