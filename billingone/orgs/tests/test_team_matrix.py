"""Every team/organization action × every role, generated from orgs/roles.py: roles with the
capability succeed, the others get 403, and Org B's owner gets 404 everywhere."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.urls import reverse
from django.utils import timezone

from billingone.orgs import roles
from billingone.orgs.models import Invitation, Membership
from billingone.orgs.roles import Role
from billingone.orgs.team import new_token


@dataclass(frozen=True)
class Action:
    name: str
    capability: str
    method: str
    url_name: str
    object_kind: str = ""  # "member" or "invitation": the URL takes that object's id
    data: dict = field(default_factory=dict)
    ok_status: int = 302


WEB_ACTIONS = [
    Action("view organization", "org.view", "get", "settings_organization", ok_status=200),
    Action(
        "save organization",
        "org.manage",
        "post",
        "settings_organization_save",
        data={"name": "Org A Networks", "slug": "org-a", "session_timeout": "30"},
    ),
    Action("view branding", "org.manage", "get", "settings_branding", ok_status=200),
    Action(
        "save branding",
        "org.manage",
        "post",
        "settings_branding_save",
        data={"primary_color": "#0B5FFF", "accent_color": "#14532D"},
    ),
    Action("reset branding", "org.manage", "post", "settings_branding_reset"),
    Action("view team", "org.view", "get", "settings_team", ok_status=200),
    Action("invite", "members.manage", "post", "team_invite", data={"email": "new@example.com", "role": "viewer"}),
    Action("change role", "members.manage", "post", "team_member_role", "member", {"role": "engineer"}),
    Action("confirm removal", "members.manage", "get", "team_member_remove", "member", ok_status=200),
    Action("remove", "members.manage", "post", "team_member_remove", "member"),
    Action("resend invitation", "members.manage", "post", "team_invitation_resend", "invitation"),
    Action("revoke invitation", "members.manage", "post", "team_invitation_revoke", "invitation"),
    Action("import page", "members.manage", "get", "team_import", ok_status=200),
    Action("import template", "members.manage", "get", "team_import_template", ok_status=200),
]

API_ACTIONS = [
    Action("get organization", "org.view", "get", "/orgs/{slug}", ok_status=200),
    Action("list members", "org.view", "get", "/orgs/{slug}/members", ok_status=200),
    Action("permissions", "org.view", "get", "/orgs/{slug}/permissions", ok_status=200),
    Action("change role", "members.manage", "patch", "/orgs/{slug}/members/{id}", "member", {"role": "engineer"}, 200),
    Action("remove", "members.manage", "delete", "/orgs/{slug}/members/{id}", "member", ok_status=204),
    Action("list invitations", "members.manage", "get", "/orgs/{slug}/invitations", ok_status=200),
    Action(
        "invite",
        "members.manage",
        "post",
        "/orgs/{slug}/invitations",
        data={"email": "new@example.com", "role": "viewer"},
        ok_status=201,
    ),
    Action("resend", "members.manage", "post", "/orgs/{slug}/invitations/{id}/resend", "invitation", ok_status=200),
    Action("revoke", "members.manage", "delete", "/orgs/{slug}/invitations/{id}", "invitation", ok_status=204),
]


def _cases(actions):
    return [
        pytest.param(role, action, id=f"{role.value}-{action.name.replace(' ', '_')}")
        for action in actions
        for role in roles.ROLES_BY_POWER
    ]


def _object_id(action: Action, personas, victim) -> int | None:
    if action.object_kind == "member":
        return victim.pk
    if action.object_kind == "invitation":
        return Invitation.objects.create(
            organization=personas.org_a,
            email="pending@example.com",
            role=Role.VIEWER,
            token_hash=new_token()[1],
            expires_at=timezone.now() + timezone.timedelta(days=7),
        ).pk
    return None


def _web_url(action: Action, slug: str, object_id: int | None) -> str:
    kwargs = {"slug": slug}
    if action.object_kind:
        kwargs[f"{action.object_kind}_id"] = object_id
    return reverse(action.url_name, kwargs=kwargs)


def _call(client, action: Action, url: str, api: bool, headers: dict | None = None):
    if api:
        return getattr(client, action.method)(
            url, action.data or None, content_type="application/json", headers=headers or {}
        )
    return getattr(client, action.method)(url, action.data)


@pytest.mark.parametrize(("role", "action"), _cases(WEB_ACTIONS))
def test_web_action_by_role(role, action, personas, victim, client_for):
    object_id = _object_id(action, personas, victim)
    response = _call(client_for(personas.member(role)), action, _web_url(action, "org-a", object_id), api=False)
    if roles.has_capability(role, action.capability):
        assert response.status_code == action.ok_status, response.content[:500]
        messages = [m.message for m in response.wsgi_request._messages] if response.status_code == 302 else []
        assert not any("cannot" in m or "not allow" in m for m in messages), messages
    else:
        assert response.status_code == 403


@pytest.mark.parametrize(("role", "action"), _cases(API_ACTIONS))
def test_api_action_by_role(role, action, personas, victim, client, app_token):
    object_id = _object_id(action, personas, victim)
    url = "/api/v1" + action.url_name.format(slug="org-a", id=object_id)
    token = app_token(personas.member(role))
    response = _call(client, action, url, api=True, headers={"X-Session-Token": token})
    if roles.has_capability(role, action.capability):
        assert response.status_code == action.ok_status, response.content[:500]
    else:
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("action", WEB_ACTIONS, ids=lambda a: a.name.replace(" ", "_"))
def test_web_action_by_outsider_is_404(action, personas, victim, client_for):
    object_id = _object_id(action, personas, victim)
    response = _call(client_for(personas.charlie), action, _web_url(action, "org-a", object_id), api=False)
    assert response.status_code == 404
    assert Membership.objects.filter(pk=victim.pk, role=Role.VIEWER).exists()


@pytest.mark.parametrize("action", API_ACTIONS, ids=lambda a: a.name.replace(" ", "_"))
def test_api_action_by_outsider_is_404(action, personas, victim, client, app_token):
    object_id = _object_id(action, personas, victim)
    url = "/api/v1" + action.url_name.format(slug="org-a", id=object_id)
    response = _call(client, action, url, api=True, headers={"X-Session-Token": app_token(personas.charlie)})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("action", [a for a in WEB_ACTIONS if a.object_kind], ids=lambda a: a.name.replace(" ", "_"))
def test_objects_of_another_organization_are_404(action, personas, client_for):
    """Org B's member id used under Org A's slug, as Org A's owner: 404, never a 500."""
    charlie_membership = Membership.objects.get(user=personas.charlie)
    url = _web_url(action, "org-a", charlie_membership.pk if action.object_kind == "member" else 999_999)
    response = _call(client_for(personas.alice), action, url, api=False)
    assert response.status_code == 404
