"""The Subscriptions page and GET /api/v1/orgs/{slug}/subscriptions over synced Pax8 data."""

from __future__ import annotations

import pytest

from billingone.billing.models import Subscription
from billingone.integrations.models import SyncRun
from billingone.integrations.testing import connect_pax8
from billingone.testing.tasks import run_pending_tasks

PAGE = "/org-a/subscriptions/"


@pytest.fixture
def synced(pax8_sim, personas, client_for):
    connect_pax8(personas.alice, personas.org_a)
    client_for(personas.alice).post("/org-a/settings/integrations/pax8/sync/")
    run_pending_tasks()
    assert SyncRun.objects.get(organization=personas.org_a).status == "succeeded"
    return pax8_sim


def test_outsider_404_and_insufficient_role_403(personas, client_for):
    assert client_for(personas.charlie).get(PAGE).status_code == 404
    # Everyone in the organization may view; syncing from the page needs integrations.sync.
    assert client_for(personas.bob).post("/org-a/settings/integrations/pax8/sync/").status_code == 403


def test_page_lists_paginates_searches_and_filters(synced, personas, client_for):
    client = client_for(personas.bob)
    page = client.get(PAGE).content.decode()
    assert "1–50 of 120" in page and "Page 1 of 3" in page
    assert "Sync from Pax8" not in page  # a viewer sees data, not the button
    row = Subscription.objects.filter(source="pax8", organization=personas.org_a).select_related("customer").first()
    by_client = client.get(PAGE, {"q": row.customer.name}).content.decode()
    assert row.customer.name in by_client
    by_id = client.get(PAGE, {"q": row.external_id}).content.decode()
    assert row.external_id in by_id and "1 live" not in by_id
    trials = Subscription.objects.filter(source="pax8", organization=personas.org_a, status="trial").count()
    filtered = client.get(PAGE, {"status": "trial"}).content.decode()
    assert filtered.count('title="Pax8: Trial"') == trials
    assert client.get(PAGE, {"status": "bogus", "page": "999"}).status_code == 200


def test_sync_button_for_engineers_and_connect_prompt_when_not_connected(personas, client_for):
    page = client_for(personas.alice).get(PAGE).content.decode()
    assert "No vendor is connected" in page and "Connect Pax8" in page
    viewer_page = client_for(personas.bob).get(PAGE).content.decode()
    assert "Connect Pax8" not in viewer_page and "can connect one in Settings" in viewer_page


def test_sync_from_the_page_shows_live_progress(pax8_sim, personas, client_for):
    connect_pax8(personas.alice, personas.org_a)
    client = client_for(personas.member("engineer"))
    assert "Sync from Pax8" in client.get(PAGE).content.decode()
    response = client.post("/org-a/settings/integrations/pax8/sync/", {"next": PAGE}, follow=True)
    assert response.redirect_chain[-1][0] == PAGE
    assert 'data-testid="sync-progress"' in response.content.decode()


def test_api_lists_with_fields_search_filter_and_pagination(synced, personas, client):
    client.force_login(personas.bob, backend="django.contrib.auth.backends.ModelBackend")
    body = client.get("/api/v1/orgs/org-a/subscriptions", {"limit": 10}).json()
    assert body["count"] == 120 and len(body["items"]) == 10 and body["next"]
    item = body["items"][0]
    assert set(item) >= {"client", "product", "vendor", "quantity", "unit_price", "billing_term", "status", "source"}
    assert set(item) >= {"start_date", "end_date", "id"}
    second = client.get("/api/v1/orgs/org-a/subscriptions", {"limit": 10, "cursor": body["next"]}).json()
    assert not {i["id"] for i in second["items"]} & {i["id"] for i in body["items"]}
    active = client.get("/api/v1/orgs/org-a/subscriptions", {"status": "active", "limit": 100}).json()
    assert (
        active["count"]
        == Subscription.objects.filter(source="pax8", organization=personas.org_a, status="active").count()
    )
    assert {i["status"] for i in active["items"]} == {"active"}
    found = client.get("/api/v1/orgs/org-a/subscriptions", {"q": item["external_id"]}).json()
    assert found["count"] == 1
    bad = client.get("/api/v1/orgs/org-a/subscriptions", {"status": "bogus"})
    assert bad.status_code == 422 and "status" in bad.json()["error"]["fields"]


def test_api_outsider_gets_404(personas, client):
    client.force_login(personas.charlie, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/api/v1/orgs/org-a/subscriptions").status_code == 404


def test_org_b_sync_leaves_org_a_rows_untouched(synced, personas, client_for):
    before = list(
        Subscription.objects.filter(source="pax8", organization=personas.org_a)
        .order_by("pk")
        .values_list("pk", "fingerprint", "synced_at")
    )
    synced.data.mutate(0.5)
    connect_pax8(personas.charlie, personas.org_b)
    client_for(personas.charlie).post("/org-b/settings/integrations/pax8/sync/")
    run_pending_tasks()
    assert Subscription.objects.filter(source="pax8", organization=personas.org_b).count() == 120
    after = list(
        Subscription.objects.filter(source="pax8", organization=personas.org_a)
        .order_by("pk")
        .values_list("pk", "fingerprint", "synced_at")
    )
    assert after == before
