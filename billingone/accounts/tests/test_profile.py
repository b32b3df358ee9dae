"""Profile section (web) and /api/v1/me."""

from __future__ import annotations

import pytest

from billingone.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_every_role_edits_their_own_name(client_for, personas):
    for user in personas.members.values():
        client = client_for(user)
        response = client.post("/org-a/settings/profile/", {"name": f"New {user.email}"})
        assert response.status_code == 302
        user.refresh_from_db()
        assert user.name == f"New {user.email}"
    event = AuditEvent.objects.filter(action="user.profile_update").first()
    assert event.changes["name"]["after"].startswith("New ")


def test_profile_shows_email_read_only(client_for, personas):
    page = client_for(personas.bob).get("/org-a/settings/profile/").content.decode()
    assert 'value="bob@org-a.test" readonly' in page


def test_extra_fields_are_ignored(client_for, personas):
    client_for(personas.bob).post(
        "/org-a/settings/profile/", {"name": "Bob", "email": "evil@x.test", "is_staff": "on", "is_superuser": "on"}
    )
    personas.bob.refresh_from_db()
    assert personas.bob.email == "bob@org-a.test" and not personas.bob.is_staff


def test_too_long_name_is_a_form_error(client_for, personas):
    response = client_for(personas.bob).post("/org-a/settings/profile/", {"name": "x" * 151})
    assert response.status_code == 200 and b"at most 150 characters" in response.content


def test_outsider_gets_404(client_for, personas):
    assert client_for(personas.charlie).get("/org-a/settings/profile/").status_code == 404


def test_api_me_shape(client, personas, app_token):
    body = client.get("/api/v1/me", HTTP_X_SESSION_TOKEN=app_token(personas.alice)).json()
    assert body["id"] == str(personas.alice.pk)
    assert body["mfa"] == {"totp": False, "recovery_codes_left": 0, "passkeys": 0}
    assert body["organizations"] == [{"slug": "org-a", "name": "Org A Networks", "role": "owner"}]
    assert set(body["links"]) == {"mfa_enroll", "recovery_codes", "change_email", "change_password"}
    assert all(link.startswith("http://testserver/") for link in body["links"].values())


def test_api_patch_me(client, personas, app_token):
    token = app_token(personas.bob)
    response = client.patch(
        "/api/v1/me", {"name": "Robert"}, content_type="application/json", HTTP_X_SESSION_TOKEN=token
    )
    assert response.status_code == 200 and response.json()["name"] == "Robert"


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"name": "x" * 151}, 422, "invalid"),
        ({"name": 5}, 422, "invalid"),
        ({"email": "new@x.test"}, 403, "web_only"),
        ({"password": "new password please"}, 403, "web_only"),
    ],
)
def test_api_patch_me_bad_input(client, personas, app_token, payload, status, code):
    token = app_token(personas.bob)
    response = client.patch("/api/v1/me", payload, content_type="application/json", HTTP_X_SESSION_TOKEN=token)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    personas.bob.refresh_from_db()
    assert personas.bob.name == "Bob Viewer" and personas.bob.email == "bob@org-a.test"


@pytest.mark.parametrize("name", ["   ", "Bo\x00b"])
def test_a_name_of_spaces_or_with_nul_is_a_form_error_not_saved(client_for, personas, name):
    response = client_for(personas.bob).post("/org-a/settings/profile/", {"name": name})
    assert response.status_code == 200 and response.context["form"].errors["name"]
    personas.bob.refresh_from_db()
    assert personas.bob.name == "Bob Viewer"


def test_a_team_invitation_name_of_spaces_is_a_form_error(client_for, personas):
    response = client_for(personas.alice).post(
        "/org-a/settings/team/invite/", {"email": "new@example.test", "role": "viewer", "name": "   "}
    )
    assert response.status_code == 422 and "not only spaces" in response.content.decode()
