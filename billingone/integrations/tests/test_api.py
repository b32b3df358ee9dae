"""The integrations API (API.md): list, detail, sync (202/409), sync-all, sync-runs, web-only."""

from __future__ import annotations

import pytest

from billingone.integrations.models import SyncRun
from billingone.integrations.testing import PAX8_GOOD, connect_pax8
from billingone.testing.tasks import run_pending_tasks


@pytest.fixture
def api(client):
    def call(user, method, path, body=None):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        kwargs = {"content_type": "application/json", "data": body} if body is not None else {}
        return getattr(client, method)(f"/api/v1/orgs/{path}", **kwargs)

    return call


def test_outsider_gets_404(personas, api):
    for method, path in [
        ("get", "org-a/integrations"),
        ("get", "org-a/integrations/pax8"),
        ("post", "org-a/integrations/pax8/sync"),
        ("post", "org-a/sync-all"),
        ("get", "org-a/sync-runs"),
        ("get", "org-a/sync-runs/1"),
    ]:
        response = api(personas.charlie, method, path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"


def test_viewer_reads_status_but_gets_403_on_sync(pax8_sim, personas, api):
    connect_pax8(personas.alice, personas.org_a)
    body = api(personas.bob, "get", "org-a/integrations").json()
    pax8 = body["items"][0]
    assert pax8["provider"] == "pax8" and pax8["status"] == "connected" and pax8["actions"] == []
    assert pax8["connect_url"].endswith("/org-a/settings/integrations/pax8/")
    assert PAX8_GOOD["client_secret"] not in str(body) and PAX8_GOOD["client_id"] not in str(body)
    assert api(personas.bob, "post", "org-a/integrations/pax8/sync").status_code == 403
    assert api(personas.bob, "post", "org-a/sync-all").status_code == 403


def test_sync_not_connected_answers_409_with_the_connect_link(personas, api):
    response = api(personas.member("engineer"), "post", "org-a/integrations/pax8/sync", {"mode": "full"})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "not_connected" and error["web_url"].endswith("/org-a/settings/integrations/pax8/")


def test_sync_202_then_409_with_the_running_run_then_progress(pax8_sim, personas, api):
    connect_pax8(personas.alice, personas.org_a)
    engineer = personas.member("engineer")
    started = api(engineer, "post", "org-a/integrations/pax8/sync", {"mode": "full"})
    assert started.status_code == 202
    run_id = started.json()["run"]["id"]
    busy = api(engineer, "post", "org-a/integrations/pax8/sync", {})
    assert busy.status_code == 409
    assert busy.json()["error"]["code"] == "sync_in_progress" and busy.json()["error"]["run"]["id"] == run_id
    run_pending_tasks()
    run = api(engineer, "get", f"org-a/sync-runs/{run_id}").json()
    assert run["status"] == "succeeded" and run["progress"]["done"] == run["progress"]["total"] > 0
    assert run["counts"]["created"] == 162
    listing = api(personas.bob, "get", "org-a/sync-runs?provider=pax8").json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == run_id
    detail = api(personas.bob, "get", "org-a/integrations/pax8").json()
    assert detail["last_sync"]["outcome"] == "succeeded" and detail["last_sync"]["counts"]["created"] == 162


def test_bad_input_is_a_clear_4xx(pax8_sim, personas, api):
    connect_pax8(personas.alice, personas.org_a)
    engineer = personas.member("engineer")
    response = api(engineer, "post", "org-a/integrations/pax8/sync", {"mode": "invoices"})
    assert response.status_code == 422 and "mode" in response.json()["error"]["fields"]
    assert api(engineer, "post", "org-a/integrations/nope/sync", {}).status_code == 404
    assert api(engineer, "get", "org-a/sync-runs/abc").status_code == 404
    assert api(engineer, "get", "org-a/sync-runs/999999").status_code == 404
    assert api(engineer, "get", "org-a/sync-runs?provider=nope").status_code == 404
    assert api(engineer, "get", "org-a/sync-runs?limit=1000").status_code == 422


def test_sync_all_returns_the_runs(pax8_sim, personas, api):
    connect_pax8(personas.alice, personas.org_a)
    response = api(personas.member("finance"), "post", "org-a/sync-all")
    assert response.status_code == 202
    assert [run["provider"] for run in response.json()["runs"]] == ["pax8"]
    assert SyncRun.objects.get(organization=personas.org_a).trigger == "sync_all"


def test_connect_configure_disconnect_are_web_only(personas, api):
    for method, path in [
        ("post", "org-a/integrations/pax8/connect"),
        ("put", "org-a/integrations/pax8"),
        ("delete", "org-a/integrations/pax8"),
    ]:
        response = api(personas.alice, method, path)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "web_only"
        assert response.json()["error"]["web_url"].endswith("/org-a/settings/integrations/pax8/")


def test_app_token_works(pax8_sim, personas, app_token, client):
    token = app_token(personas.bob)
    response = client.get("/api/v1/orgs/org-a/integrations", HTTP_X_SESSION_TOKEN=token)
    assert response.status_code == 200 and response.json()["items"][0]["status"] == "not_connected"


def test_needs_attention_is_an_error_with_a_flag_and_the_reason(pax8_sim, personas, api):
    from billingone.integrations.models import Connection

    connect_pax8(personas.alice, personas.org_a)
    Connection.objects.filter(organization=personas.org_a).update(
        status=Connection.Status.NEEDS_ATTENTION, status_reason="Pax8 no longer accepts these credentials."
    )
    pax8 = api(personas.bob, "get", "org-a/integrations/pax8").json()
    assert pax8["status"] == "error" and pax8["needs_attention"] is True
    assert pax8["status_reason"] == "Pax8 no longer accepts these credentials."


def test_sync_all_with_nothing_connected_is_409_with_the_connect_link(personas, api):
    response = api(personas.alice, "post", "org-a/sync-all")
    error = response.json()["error"]
    assert response.status_code == 409 and error["code"] == "not_connected"
    assert error["web_url"] == "http://testserver/org-a/settings/integrations/"


def test_last_sync_error_has_the_shape_of_a_run_error(pax8_sim, personas, api):
    connect_pax8(personas.alice, personas.org_a)
    assert api(personas.alice, "post", "org-a/integrations/pax8/sync", {}).status_code == 202
    run = SyncRun.objects.get(organization=personas.org_a)
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncRun.Status.FAILED, error_code="unreachable", error_message="Pax8 could not be reached."
    )
    detail = api(personas.bob, "get", "org-a/integrations/pax8").json()
    one_run = api(personas.bob, "get", f"org-a/sync-runs/{run.pk}").json()
    assert detail["last_sync"]["error"] == one_run["error"]
    assert one_run["error"] == {"code": "unreachable", "message": "Pax8 could not be reached.", "permanent": False}
