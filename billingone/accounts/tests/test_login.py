"""Signing in: web lands in the organization used last; the app gets a session token."""

from __future__ import annotations

import pytest

from billingone.orgs.models import Membership
from billingone.orgs.roles import Role

pytestmark = pytest.mark.django_db


def login(client, email, password):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_login_lands_in_the_only_organization(client, personas, password):
    response = login(client, "bob@org-a.test", password)
    assert response.status_code == 302 and response.url == "/org-a/"
    home = client.get("/org-a/")  # the organization's home is its Dashboard
    assert home.status_code == 200 and 'data-testid="dashboard-empty"' in home.content.decode()
    assert client.get("/org-a/settings/").url == "/org-a/settings/profile/"


def test_login_lands_in_the_last_used_organization(client, personas, password):
    Membership.objects.create(user=personas.alice, organization=personas.org_b, role=Role.VIEWER)
    login(client, "alice@org-a.test", password)
    client.get("/org-b/")  # switch
    client.post("/accounts/logout/")
    response = login(client, "alice@org-a.test", password)
    assert response.url == "/org-b/"


def test_org_switcher_lists_every_membership(client, personas, password):
    Membership.objects.create(user=personas.alice, organization=personas.org_b, role=Role.VIEWER)
    login(client, "alice@org-a.test", password)
    page = client.get("/org-a/settings/profile/").content.decode()
    assert 'href="/org-a/"' in page and 'href="/org-b/"' in page


def test_wrong_password_and_unknown_user_look_the_same(client, personas):
    wrong = login(client, "alice@org-a.test", "not the right password at all")
    unknown = login(client, "nobody@org-a.test", "not the right password at all")
    assert wrong.status_code == unknown.status_code == 200
    assert b"The email address and/or password you specified are not correct." in wrong.content
    assert b"The email address and/or password you specified are not correct." in unknown.content


def test_user_without_organization_is_asked_to_create_one(client, personas, password):
    Membership.objects.filter(user=personas.bob).delete()
    login(client, "bob@org-a.test", password)
    assert client.get("/").url == "/orgs/new/"
    response = client.post("/orgs/new/", {"name": "Bob's Shop"})
    assert response.url == "/bobs-shop/"
    assert Membership.objects.get(user=personas.bob).role == "owner"


def test_new_organization_needs_a_name(client_for, personas):
    response = client_for(personas.alice).post("/orgs/new/", {"name": ""})
    assert response.status_code == 200 and b"This field is required." in response.content


def test_app_login_token_is_accepted_by_the_api(client, personas, app_token):
    token = app_token(personas.alice)
    response = client.get("/api/v1/me", HTTP_X_SESSION_TOKEN=token)
    assert response.status_code == 200
    assert response.json()["email"] == "alice@org-a.test"


def test_app_logout_ends_the_token(client, personas, app_token):
    token = app_token(personas.alice)
    client.delete("/_allauth/app/v1/auth/session", HTTP_X_SESSION_TOKEN=token)
    assert client.get("/api/v1/me", HTTP_X_SESSION_TOKEN=token).status_code == 401


def test_logout_ends_the_session_server_side(client, personas, password):
    login(client, "alice@org-a.test", password)
    cookie = client.cookies["sessionid"].value
    client.post("/accounts/logout/")
    from django.test import Client

    replay = Client()
    replay.cookies["sessionid"] = cookie
    assert replay.get("/org-a/settings/profile/").status_code == 302


def test_logout_is_post_only(client_for, personas):
    client = client_for(personas.alice)
    client.get("/accounts/logout/")
    assert client.get("/org-a/settings/profile/").status_code == 200  # still signed in


def test_admin_login_goes_through_our_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
