"""Invitations: a pending membership with a hashed, single-use, 7-day token and a real email."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from billingone.accounts.models import User
from billingone.audit.models import AuditEvent
from billingone.orgs.conftest import last_accept_link, membership_of
from billingone.orgs.models import Invitation, Membership, Organization
from billingone.orgs.team import hash_token

INVITE = "/org-a/settings/team/invite/"


def invite(client, email="new@example.com", role="finance", name="Nina New"):
    return client.post(INVITE, {"email": email, "role": role, "name": name})


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[1]


def test_invite_sends_a_real_email_and_stores_only_the_hash(personas, client_for):
    response = invite(client_for(personas.alice))
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.status) == ("new@example.com", "finance", "pending")
    assert invitation.expires_at - timezone.now() > timedelta(days=6, hours=23)
    message = mail.outbox[-1]
    assert message.to == ["new@example.com"]
    assert "Join Org A Networks on BillingOne" in message.subject
    assert "Alice Owner invited you to join Org A Networks on BillingOne as Finance" in message.body
    assert message.alternatives[0][1] == "text/html"
    token = token_of(last_accept_link())
    assert len(token) >= 43  # 256 bits, url-safe
    assert invitation.token_hash == hash_token(token)
    assert token not in str(Invitation.objects.values().get())
    assert not AuditEvent.objects.filter(data__icontains=token).exists()
    event = AuditEvent.objects.get(action="member.invite")
    assert event.changes == {
        "email": {"before": None, "after": "new@example.com"},
        "role": {"before": None, "after": "finance"},
    }


def test_pending_invitations_are_listed_beside_members(personas, client_for):
    client = client_for(personas.alice)
    invite(client)
    page = client.get("/org-a/settings/team/").content.decode()
    assert 'data-invitation="new@example.com"' in page
    assert "Nina New" in page


def test_signed_in_user_accepts_once(personas, client_for):
    invite(client_for(personas.alice), email="charlie@org-b.test", role="engineer")
    link = last_accept_link()
    charlie = client_for(personas.charlie)
    page = charlie.get(link)
    assert page.status_code == 200 and b"Join Org A Networks" in page.content
    response = charlie.post(link)
    assert response.status_code == 302 and response["Location"] == "/org-a/"
    assert membership_of(personas.charlie, personas.org_a).role == "engineer"
    again = charlie.post(link)
    assert again.status_code == 410 and b"already been used" in again.content
    assert AuditEvent.objects.filter(action="member.invite_accept").count() == 1


def test_expired_revoked_and_forged_links_get_a_clear_page(personas, client_for):
    owner, client = client_for(personas.alice), Client()
    invite(owner, email="late@example.com")
    late = last_accept_link()
    invite(owner, email="gone@example.com")
    gone = last_accept_link()
    owner.post(f"/org-a/settings/team/invitations/{Invitation.objects.get(email='gone@example.com').pk}/revoke/")
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        expired = client.get(late)
        assert expired.status_code == 410 and b"has expired" in expired.content
    revoked = client.get(gone)
    assert revoked.status_code == 410 and b"withdrawn" in revoked.content
    forged = client.get("/invitations/" + "A" * 43 + "/")
    assert forged.status_code == 404 and b"not valid" in forged.content


def test_resend_issues_a_new_link_and_kills_the_old_one(personas, client_for):
    owner, client = client_for(personas.alice), Client()
    invite(owner)
    first = last_accept_link()
    invitation = Invitation.objects.get()
    assert owner.post(f"/org-a/settings/team/invitations/{invitation.pk}/resend/").status_code == 302
    second = last_accept_link()
    assert first != second
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    assert AuditEvent.objects.filter(action="member.invite_resend").count() == 1


@pytest.mark.parametrize(
    ("email", "role", "message"),
    [
        ("not-an-email", "viewer", "Enter a valid email address"),
        ("bob@org-a.test", "viewer", "already a member"),
        ("BOB@ORG-A.TEST", "viewer", "already a member"),
    ],
)
def test_bad_invitations_are_refused(email, role, message, personas, client_for):
    response = invite(client_for(personas.alice), email=email, role=role)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Invitation.objects.exists()


def test_inviting_twice_is_refused(personas, client_for):
    client = client_for(personas.alice)
    invite(client)
    response = invite(client)
    assert response.status_code == 422 and b"already invited" in response.content


def test_admin_cannot_invite_an_owner_web_and_api(personas, client_for, client, app_token):
    admin = personas.member("admin")
    response = invite(client_for(admin), role="owner")
    assert response.status_code == 422  # not even a choice in the admin's form
    api = client.post(
        "/api/v1/orgs/org-a/invitations",
        {"email": "x@example.com", "role": "owner"},
        content_type="application/json",
        headers={"X-Session-Token": app_token(admin)},
    )
    assert api.status_code == 403
    assert "cannot grant the Owner role" in api.json()["error"]["message"]
    assert not Invitation.objects.exists()


def test_invites_are_limited_to_20_a_day_per_organization(personas, client_for, client, app_token):
    owner = client_for(personas.alice)
    for n in range(20):
        assert invite(owner, email=f"p{n}@example.com").status_code == 302
    refused = invite(owner, email="p21@example.com")
    assert refused.status_code == 422 and b"Limit reached: 20 invitation emails" in refused.content
    api = client.post(
        "/api/v1/orgs/org-a/invitations",
        {"email": "p22@example.com", "role": "viewer"},
        content_type="application/json",
        headers={"X-Session-Token": app_token(personas.alice)},
    )
    assert api.status_code == 429
    assert api.json()["error"]["code"] == "rate_limited"
    assert int(api["Retry-After"]) > 0
    # Revoking does not give the budget back; a day later it is there again.
    owner.post(f"/org-a/settings/team/invitations/{Invitation.objects.first().pk}/revoke/")
    assert invite(owner, email="p23@example.com").status_code == 422
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        assert invite(client_for(personas.alice), email="p24@example.com").status_code == 302
    # Org B's budget is its own.
    assert (
        client_for(personas.charlie)
        .post("/org-b/settings/team/invite/", {"email": "q@example.com", "role": "viewer"})
        .status_code
        == 302
    )


def test_signup_from_an_invitation_joins_that_organization_without_a_second_one(personas, client_for):
    invite(client_for(personas.alice), email="newbie@example.com", role="finance")
    client = Client()  # the invitee's own browser
    link = last_accept_link()
    page = client.get(link)
    assert b"Create your account" in page.content
    signup = client.get("/accounts/signup/?email=newbie@example.com")
    assert b"organization_name" not in signup.content  # no new organization to name
    response = client.post(
        "/accounts/signup/",
        {"email": "newbie@example.com", "password1": "a long and unusual passphrase", "name": "Nina New"},
    )
    assert response.status_code == 302, response.content[:2000]
    user = User.objects.get(email="newbie@example.com")
    assert [(m.organization.slug, m.role) for m in Membership.objects.filter(user=user)] == [("org-a", "finance")]
    assert Organization.objects.count() == 2
    # The link reached this address, so no extra verification: the person is signed in, in the org.
    assert client.get("/").headers["Location"] == "/org-a/"
    assert Invitation.objects.get().status == "accepted"
    assert client.get(link).status_code == 410


def test_existing_user_signs_in_from_the_invitation_and_joins(personas, client_for, password):
    invite(client_for(personas.alice), email="charlie@org-b.test", role="viewer")
    client = Client()
    link = last_accept_link()
    page = client.get(link).content.decode()
    assert "I already have an account" in page
    login = client.post(
        f"/accounts/login/?next={link.split('localhost:8000')[-1]}",
        {"login": "charlie@org-b.test", "password": password},
    )
    assert login.status_code == 302
    assert client.post(login["Location"]).status_code == 302
    assert membership_of(personas.charlie, personas.org_a).role == "viewer"


def test_plain_signup_still_creates_an_organization(db, client):
    response = client.post(
        "/accounts/signup/",
        {"email": "solo@example.com", "password1": "a long and unusual passphrase", "organization_name": "Solo MSP"},
    )
    assert response.status_code == 302
    assert Membership.objects.get(user__email="solo@example.com").organization.name == "Solo MSP"


def test_a_long_pending_list_is_capped_on_the_page(personas, client_for):
    expires = timezone.now() + timedelta(days=7)
    Invitation.objects.bulk_create(
        Invitation(
            organization=personas.org_a,
            email=f"p{n}@example.com",
            role="viewer",
            token_hash=f"{n:064x}",
            expires_at=expires,
        )
        for n in range(201)
    )
    page = client_for(personas.alice).get("/org-a/settings/team/").content.decode()
    assert page.count("data-invitation=") == 200
    assert "Showing the newest 200 of 201 pending invitations." in page


def test_outsider_gets_404_and_viewer_403_on_invitations(personas, client_for):
    invite(client_for(personas.alice))
    invitation = Invitation.objects.get()
    for user, status in ((personas.charlie, 404), (personas.bob, 403), (personas.member("finance"), 403)):
        client = client_for(user)
        assert invite(client, email="other@example.com").status_code == status
        assert client.post(f"/org-a/settings/team/invitations/{invitation.pk}/resend/").status_code == status
        assert client.post(f"/org-a/settings/team/invitations/{invitation.pk}/revoke/").status_code == status
    invitation.refresh_from_db()
    assert invitation.status == "pending" and Invitation.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_forwarded_link_does_not_let_another_account_join(personas, client_for):
    invite(client_for(personas.alice), email="invitee@example.com", role="admin")
    link = last_accept_link()
    charlie = client_for(personas.charlie)  # another organization's owner who got the link forwarded
    page = charlie.get(link)
    assert page.status_code == 403
    html = page.content.decode()
    assert "This invitation is for invitee@example.com" in html and "charlie@org-b.test" in html
    refused = charlie.post(link)
    assert refused.status_code == 403 and b"invitee@example.com" in refused.content
    assert not Membership.objects.filter(user=personas.charlie, organization=personas.org_a).exists()
    assert Invitation.objects.get().status == "pending"


def test_the_invited_address_must_be_verified_on_the_account(personas, client_for):
    from allauth.account.models import EmailAddress

    invite(client_for(personas.alice), email="charlie@org-b.test", role="viewer")
    EmailAddress.objects.filter(user=personas.charlie).update(verified=False)
    response = client_for(personas.charlie).post(last_accept_link())
    assert response.status_code == 403
    assert not Membership.objects.filter(user=personas.charlie, organization=personas.org_a).exists()
