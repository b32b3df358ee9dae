"""Signing up creates the person's first organization, with them as Owner, audited."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from billingone.accounts.models import User
from billingone.audit.models import AuditEvent
from billingone.orgs.models import Membership

pytestmark = pytest.mark.django_db
GOOD_PASSWORD = "a long passphrase nobody guesses"


def signup(client, **overrides):
    data = {
        "email": "new@msp.test",
        "password1": GOOD_PASSWORD,
        "name": "Nina New",
        "organization_name": "Nina's MSP",
        **overrides,
    }
    return client.post("/accounts/signup/", data)


def test_signup_creates_user_organization_and_owner_membership(client):
    response = signup(client)
    assert response.status_code == 302
    user = User.objects.get(email="new@msp.test")
    assert user.name == "Nina New"
    membership = Membership.objects.get(user=user)
    assert membership.role == "owner"
    assert membership.organization.name == "Nina's MSP"
    assert membership.organization.slug == "ninas-msp"
    assert user.last_organization == membership.organization
    actions = set(AuditEvent.objects.filter(organization=membership.organization).values_list("action", flat=True))
    assert {"org.create", "user.signup"} <= actions


def test_email_is_verified_before_sign_in(client):
    signup(client)
    assert len(mail.outbox) == 1
    assert client.get("/org-a/").status_code in (302, 404)
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    client.get(link)
    response = client.post(link.replace("http://testserver", ""), follow=True)
    assert response.redirect_chain[-1][0] == "/ninas-msp/"  # the new organization's Dashboard
    assert response.status_code == 200 and "Connect Pax8 first" in response.content.decode()


def test_headless_app_signup_also_creates_the_organization(client):
    response = client.post(
        "/_allauth/app/v1/auth/signup",
        {"email": "app@msp.test", "password": GOOD_PASSWORD, "name": "App User", "organization_name": "App MSP"},
        content_type="application/json",
    )
    assert response.status_code == 401  # pending email verification, per allauth headless
    user = User.objects.get(email="app@msp.test")
    assert Membership.objects.get(user=user).organization.name == "App MSP"


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("fourteen chars", False),  # 14: too short
        ("fifteen chars!!", True),  # 15: fine, no composition rules
        ("1q2w3e4r5t6y7u8i9o0p", False),  # on the common-password list
        ("ünïcödé and spaces " * 6, True),  # 114 characters, Unicode, spaces
    ],
)
def test_password_policy(client, password, ok):
    response = signup(client, password1=password)
    assert User.objects.filter(email="new@msp.test").exists() is ok, response.content[:2000]


def test_duplicate_email_does_not_reveal_the_account(client, personas):
    response = signup(client, email="ALICE@org-a.test")
    assert response.status_code == 302  # same answer as a fresh signup
    assert User.objects.filter(email__iexact="alice@org-a.test").count() == 1


def test_production_hasher_is_argon2():
    from billingone import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
