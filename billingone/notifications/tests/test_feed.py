"""The in-app feed: unread count, mark read / mark all read, open, web and API."""

from __future__ import annotations

import pytest

from billingone.notifications.conftest import fail_sync
from billingone.notifications.models import Notification
from billingone.notifications.notify import notify
from billingone.orgs.models import Membership
from billingone.testing.tasks import run_pending_tasks

FEED = "/api/v1/me/notifications"


@pytest.fixture
def alice_items(personas, sync_failures_on):
    fail_sync(personas.org_a, run_id=1)
    fail_sync(personas.org_a, provider="pax8", run_id=2, message="Pax8 is down")
    run_pending_tasks()
    return list(Notification.objects.filter(user=personas.alice).order_by("created_at", "id"))


def test_api_feed_lists_items_with_unread_count(personas, client_for, alice_items):
    body = client_for(personas.alice).get(FEED).json()
    assert body["unread"] == 2 and body["count"] == 2
    newest = body["items"][0]
    assert newest["title"] == "Pax8 sync failed"
    assert newest["path"] == "/org-a/settings/integrations/"
    assert newest["organization"] == "org-a" and newest["read"] is False


def test_api_mark_one_then_all_read(personas, client_for, alice_items):
    client = client_for(personas.alice)
    first = str(alice_items[0].pk)
    response = client.post(f"{FEED}/read", {"ids": [first]}, content_type="application/json")
    assert response.json() == {"marked": 1, "unread": 1}
    response = client.post(f"{FEED}/read", {"all": True}, content_type="application/json")
    assert response.json() == {"marked": 1, "unread": 0}
    assert client.get(f"{FEED}?unread=true").json()["items"] == []


def test_api_cannot_mark_someone_elses_items(personas, client_for, alice_items):
    response = client_for(personas.bob).post(
        f"{FEED}/read", {"ids": [str(alice_items[0].pk)]}, content_type="application/json"
    )
    assert response.status_code == 404
    assert Notification.objects.get(pk=alice_items[0].pk).read_at is None


@pytest.mark.parametrize("body", [{}, {"ids": []}, {"ids": ["abc"]}, {"all": "sure"}])
def test_api_rejects_bad_read_requests(personas, client_for, alice_items, body):
    response = client_for(personas.alice).post(f"{FEED}/read", body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


def test_api_feed_pagination_and_bad_cursor(personas, client_for, alice_items):
    client = client_for(personas.alice)
    page = client.get(f"{FEED}?limit=1").json()
    assert len(page["items"]) == 1 and page["next"]
    assert client.get(f"{FEED}?cursor=!!!").status_code == 422
    assert client.get(f"{FEED}?limit=1000").status_code == 422


def test_header_bell_shows_the_unread_count(personas, client_for, alice_items):
    page = client_for(personas.alice).get("/org-a/settings/profile/").content.decode()
    assert 'id="notification-bell"' in page and 'data-unread="2"' in page
    badge = client_for(personas.alice).get("/org-a/notifications/badge/").content.decode()
    assert 'data-unread="2"' in badge


def test_web_feed_open_marks_read_and_follows_the_deep_link(personas, client_for, alice_items):
    client = client_for(personas.alice)
    page = client.get("/org-a/notifications/").content.decode()
    assert "Pax8 sync failed" in page and "2 unread" in page
    response = client.post(f"/org-a/notifications/{alice_items[0].pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/org-a/settings/integrations/"
    assert Notification.objects.get(pk=alice_items[0].pk).read_at is not None


def test_web_mark_read_and_mark_all(personas, client_for, alice_items):
    client = client_for(personas.alice)
    assert client.post(f"/org-a/notifications/{alice_items[0].pk}/read/").status_code == 302
    assert Notification.objects.filter(user=personas.alice, read_at__isnull=True).count() == 1
    assert client.post("/org-a/notifications/read-all/").status_code == 302
    assert not Notification.objects.filter(user=personas.alice, read_at__isnull=True).exists()


def test_web_items_of_others_are_404(personas, client_for, alice_items):
    client = client_for(personas.bob)
    assert client.post(f"/org-a/notifications/{alice_items[0].pk}/open/").status_code == 404
    assert client.post(f"/org-a/notifications/{alice_items[0].pk}/read/").status_code == 404
    assert client.post("/org-a/notifications/999999/read/").status_code == 404


def test_web_feed_outsider_404_and_get_on_actions_405(personas, client_for, alice_items):
    outsider = client_for(personas.charlie)
    assert outsider.get("/org-a/notifications/").status_code == 404
    assert outsider.get("/org-a/notifications/badge/").status_code == 404
    assert outsider.post("/org-a/notifications/read-all/").status_code == 404
    assert client_for(personas.alice).get("/org-a/notifications/read-all/").status_code == 405


def test_items_of_an_organization_i_left_disappear(personas, client_for, alice_items):
    Membership.objects.filter(user=personas.alice, organization=personas.org_a).delete()
    Membership.objects.create(user=personas.alice, organization=personas.org_b, role="viewer")
    body = client_for(personas.alice).get(FEED).json()
    assert body["count"] == 0 and body["unread"] == 0


def test_personal_notices_show_in_every_organization(personas, client_for):
    notify("security.new_device", None, {"device": "Firefox on Windows"}, users=[personas.charlie])
    run_pending_tasks()
    page = client_for(personas.charlie).get("/org-b/notifications/").content.decode()
    assert "New sign-in from Firefox on Windows" in page


def test_open_never_redirects_off_site(personas, client_for):
    item = Notification.objects.create(
        user=personas.alice, organization=personas.org_a, event="x", title="t", url="//evil.example/"
    )
    response = client_for(personas.alice).post(f"/org-a/notifications/{item.pk}/open/")
    assert response["Location"] == "/org-a/notifications/"


@pytest.mark.parametrize("role", ["owner", "admin", "finance", "engineer", "viewer"])
def test_no_role_gets_403_on_its_own_feed_and_preferences(personas, client_for, role):
    # Both need `account.manage`, which every role has: an "insufficient role" does not exist here.
    client = client_for(personas.member(role))
    assert client.get("/org-a/notifications/").status_code == 200
    assert client.get("/org-a/settings/notifications/").status_code == 200
    assert client.get("/org-a/notifications/badge/").status_code == 200


def test_the_app_reads_its_feed_with_a_session_token(personas, client, app_token, alice_items):
    headers = {"X-Session-Token": app_token(personas.alice)}
    body = client.get(FEED, headers=headers).json()
    assert body["unread"] == 2
    assert body["items"][0]["url"] == "http://localhost:8000/org-a/settings/integrations/"
    response = client.post(f"{FEED}/read", {"all": True}, content_type="application/json", headers=headers)
    assert response.json() == {"marked": 2, "unread": 0}
