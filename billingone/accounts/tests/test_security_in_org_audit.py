"""A member's security changes appear in every one of their organizations' Audit Logs."""

from __future__ import annotations

import pyotp
import pytest
from django.test import Client

from billingone.accounts.tests.test_api_headless import signed_in
from billingone.audit.models import AuditEvent
from billingone.orgs.models import Membership
from billingone.testing.personas import PASSWORD, make_personas

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"


def org_actions(organization, user) -> list[str]:
    return list(
        AuditEvent.objects.filter(organization=organization, actor=user).order_by("pk").values_list("action", flat=True)
    )


@pytest.fixture
def alice_in_two_orgs(live_db):
    personas = make_personas()
    Membership.objects.create(user=personas.alice, organization=personas.org_b, role="viewer")
    return personas


def test_totp_on_and_password_change_reach_both_organizations(alice_in_two_orgs, app_client):
    personas = alice_in_two_orgs
    app = signed_in(app_client, personas.alice)
    _, body = app.call("get", "/account/authenticators/totp")
    response, _ = app.call("post", "/account/authenticators/totp", {"code": pyotp.TOTP(body["meta"]["secret"]).now()})
    assert response.status_code == 200
    response, body = app.call(
        "post", "/account/password/change", {"current_password": PASSWORD, "new_password": "another long passphrase 7"}
    )
    assert response.status_code in (200, 401), body
    for organization in (personas.org_a, personas.org_b):
        actions = org_actions(organization, personas.alice)
        assert "mfa.totp_add" in actions and "user.password_change" in actions, (organization.slug, actions)
    # Bob (Org A only) sees Alice's change in Org A; nobody outside her organizations does.
    assert (
        not AuditEvent.objects.filter(action="mfa.totp_add")
        .exclude(organization__isnull=True)
        .exclude(organization__in=[personas.org_a, personas.org_b])
    )


def test_sign_in_from_a_new_device_reaches_the_organizations(alice_in_two_orgs):
    personas = alice_in_two_orgs
    for agent in (DESKTOP, DESKTOP, PHONE):
        response = Client(HTTP_USER_AGENT=agent).post(
            "/accounts/login/", {"login": personas.alice.email, "password": PASSWORD}
        )
        assert response.status_code == 302
    for organization in (personas.org_a, personas.org_b):
        events = AuditEvent.objects.filter(organization=organization, action="user.login_new_device")
        assert [e.data["device"] for e in events] == ["Mobile Safari on iOS"]
