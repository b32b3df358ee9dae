"""Role changes and removal, with PRODUCT.md's rules, on the web and through the API."""

from __future__ import annotations

import pytest
from django.test import Client

from billingone.audit.models import AuditEvent
from billingone.orgs.conftest import membership_of
from billingone.orgs.errors import Conflict, NotAllowed
from billingone.orgs.models import Membership
from billingone.orgs.team import change_role, remove_member


def role_url(m: Membership) -> str:
    return f"/org-a/settings/team/members/{m.pk}/role/"


def remove_url(m: Membership) -> str:
    return f"/org-a/settings/team/members/{m.pk}/remove/"


def test_owner_changes_a_role_and_it_is_audited(personas, client_for, victim):
    response = client_for(personas.alice).post(role_url(victim), {"role": "finance"})
    assert response.status_code == 302
    victim.refresh_from_db()
    assert victim.role == "finance"
    event = AuditEvent.objects.get(action="member.role_change")
    assert event.changes == {"role": {"before": "viewer", "after": "finance"}}
    assert event.target_label == "victor@org-a.test"


@pytest.mark.parametrize(
    ("actor", "target", "new_role", "error", "message"),
    [
        ("admin", "owner", "viewer", NotAllowed, "cannot manage a member who is Owner"),
        ("admin", "viewer", "owner", NotAllowed, "cannot grant the Owner role"),
        ("owner", "owner", "viewer", NotAllowed, "your own"),
        ("admin", "admin", "viewer", NotAllowed, "your own"),
    ],
)
def test_role_rules(actor, target, new_role, error, message, personas):
    actor_m = membership_of(personas.member(actor), personas.org_a)
    target_m = membership_of(personas.member(target), personas.org_a)
    with pytest.raises(error, match=message):
        change_role(actor_m, target_m, new_role)
    target_m.refresh_from_db()
    assert target_m.role == target


def test_admin_can_manage_another_admin_but_not_an_owner(personas, victim):
    admin = membership_of(personas.member("admin"), personas.org_a)
    change_role(admin, victim, "admin")
    change_role(admin, victim, "engineer")
    with pytest.raises(NotAllowed):
        remove_member(admin, membership_of(personas.alice, personas.org_a))


def test_last_owner_can_be_neither_demoted_nor_removed(personas, victim):
    """Two Owners demoting each other at the same moment: the second change finds the last Owner."""
    alice = membership_of(personas.alice, personas.org_a)
    change_role(alice, victim, "owner")
    victor_as_loaded = membership_of(victim.user, personas.org_a)  # his request loaded "owner"
    change_role(alice, victim, "admin")  # Alice's request wins the race
    with pytest.raises(Conflict, match="last Owner"):
        change_role(victor_as_loaded, alice, "admin")
    with pytest.raises(Conflict, match="last Owner"):
        remove_member(victor_as_loaded, alice)
    assert membership_of(personas.alice, personas.org_a).role == "owner"


def test_nobody_can_demote_or_remove_themselves_even_the_only_owner(personas, client_for):
    alice = membership_of(personas.alice, personas.org_a)
    owner = client_for(personas.alice)
    refused = "You cannot change or remove your own membership"
    assert refused in owner.post(role_url(alice), {"role": "admin"}, follow=True).content.decode()
    assert refused in owner.post(remove_url(alice), follow=True).content.decode()
    assert membership_of(personas.alice, personas.org_a).role == "owner"
    assert not AuditEvent.objects.filter(action__in=["member.role_change", "member.remove"]).exists()
    page = owner.get("/org-a/settings/team/").content.decode()
    assert f'action="{role_url(alice)}"' not in page  # no controls on your own row


def test_the_last_owner_rule_through_the_api(personas, client, app_token, victim):
    # Make Victor an Owner, demote Alice via Victor, then Victor (last Owner) is protected.
    alice = membership_of(personas.alice, personas.org_a)
    change_role(alice, victim, "owner")
    victor_token = app_token(victim.user)
    headers = {"X-Session-Token": victor_token}
    demote = client.patch(
        f"/api/v1/orgs/org-a/members/{alice.pk}", {"role": "admin"}, content_type="application/json", headers=headers
    )
    assert demote.status_code == 200 and demote.json()["role"] == "admin"
    # Only Owners manage Owners; Alice is Admin now. Org A's last Owner is Victor.
    assert Membership.objects.filter(organization=personas.org_a, role="owner").count() == 1
    self_change = client.patch(
        f"/api/v1/orgs/org-a/members/{victim.pk}", {"role": "admin"}, content_type="application/json", headers=headers
    )
    assert self_change.status_code == 403


def test_removal_asks_for_confirmation_then_the_member_loses_access(personas, client_for, client, app_token):
    bob = personas.bob
    bob_token = app_token(bob)
    bob_web = Client()
    bob_web.force_login(bob, backend="django.contrib.auth.backends.ModelBackend")
    assert bob_web.get("/org-a/settings/team/").status_code == 200

    owner = client_for(personas.alice)
    target = membership_of(bob, personas.org_a)
    confirm = owner.get(remove_url(target))
    assert confirm.status_code == 200 and b"Remove Bob Viewer?" in confirm.content
    assert Membership.objects.filter(pk=target.pk).exists()  # GET changes nothing
    assert owner.post(remove_url(target)).status_code == 302
    assert not Membership.objects.filter(pk=target.pk).exists()

    assert bob_web.get("/org-a/settings/team/").status_code == 404
    assert client.get("/api/v1/orgs/org-a/members", headers={"X-Session-Token": bob_token}).status_code == 404
    event = AuditEvent.objects.get(action="member.remove")
    assert event.changes == {"role": {"before": "viewer", "after": None}}


def test_api_lists_members_with_mfa_and_dates(personas, client, app_token):
    body = client.get("/api/v1/orgs/org-a/members", headers={"X-Session-Token": app_token(personas.bob)}).json()
    assert body["count"] == 5 and body["next"] is None
    first = body["items"][0]
    assert set(first) == {"id", "name", "email", "role", "mfa_enabled", "joined_at", "last_active_at"}
    assert [i["role"] for i in body["items"]] == ["owner", "admin", "finance", "engineer", "viewer"]
    bob = next(i for i in body["items"] if i["email"] == "bob@org-a.test")
    assert bob["last_active_at"] is not None  # his app login just now


@pytest.mark.parametrize("member_id", ["999999", "abc", "-1", "1" * 40])
def test_api_unknown_member_ids_are_404(member_id, personas, client, app_token):
    headers = {"X-Session-Token": app_token(personas.alice)}
    response = client.patch(
        f"/api/v1/orgs/org-a/members/{member_id}", {"role": "viewer"}, content_type="application/json", headers=headers
    )
    assert response.status_code == 404
    assert client.delete(f"/api/v1/orgs/org-a/members/{member_id}", headers=headers).status_code == 404


def test_api_bad_role_is_422(personas, client, app_token, victim):
    response = client.patch(
        f"/api/v1/orgs/org-a/members/{victim.pk}",
        {"role": "superuser"},
        content_type="application/json",
        headers={"X-Session-Token": app_token(personas.alice)},
    )
    assert response.status_code == 422
    assert "Unknown role" in response.json()["error"]["fields"]["role"][0]


def test_api_cannot_touch_members_of_another_org_by_id(personas, client, app_token):
    charlie_m = Membership.objects.get(user=personas.charlie)
    response = client.delete(
        f"/api/v1/orgs/org-a/members/{charlie_m.pk}", headers={"X-Session-Token": app_token(personas.alice)}
    )
    assert response.status_code == 404
    assert Membership.objects.filter(pk=charlie_m.pk).exists()


def test_permissions_endpoint_serves_the_matrix(personas, client, app_token):
    body = client.get(
        "/api/v1/orgs/org-a/permissions", headers={"X-Session-Token": app_token(personas.member("admin"))}
    ).json()
    assert [r["role"] for r in body["roles"]] == ["owner", "admin", "finance", "engineer", "viewer"]
    members = next(c for c in body["capabilities"] if c["capability"] == "members.manage")
    assert members["roles"] == {"owner": True, "admin": True, "finance": False, "engineer": False, "viewer": False}
    assert body["your_role"] == "admin"
    assert body["assignable_roles"] == ["admin", "finance", "engineer", "viewer"]


def test_bulk_import_is_web_only_in_the_api(personas, client, app_token):
    response = client.post("/api/v1/orgs/org-a/members/import", headers={"X-Session-Token": app_token(personas.alice)})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "web_only"
    assert response.json()["error"]["web_url"].endswith("/org-a/settings/team/import/")


def test_team_page_shows_the_matrix_and_the_finance_tip_to_every_role(personas, client_for):
    page = client_for(personas.bob).get("/org-a/settings/team/").content.decode()
    assert "Roles and permissions" in page
    assert "Invite, change roles, remove members, bulk import" in page
    assert "Send invitation" not in page  # read-only for Viewers
    owner_page = client_for(personas.alice).get("/org-a/settings/team/").content.decode()
    assert "Use the Finance role for billing-only staff" in owner_page


def test_outsider_gets_404_and_viewer_403_on_member_changes(personas, client_for, victim):
    for user, status in ((personas.charlie, 404), (personas.bob, 403), (personas.member("engineer"), 403)):
        client = client_for(user)
        assert client.post(role_url(victim), {"role": "admin"}).status_code == status
        assert client.get(remove_url(victim)).status_code == status
        assert client.post(remove_url(victim)).status_code == status
    victim.refresh_from_db()
    assert victim.role == "viewer"
