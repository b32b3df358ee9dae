"""Refusals say why in words: a 403 names what the role cannot do and who can; a removed
member gets a page that says they were removed, not a bare 404."""

from __future__ import annotations

import pytest

from billingone.orgs import roles
from billingone.orgs.models import Membership
from billingone.orgs.team import remove_member


def test_403_says_in_words_what_the_role_cannot_do(personas, client_for):
    response = client_for(personas.bob).get("/org-a/settings/audit/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "As a Viewer you can&#x27;t read or export the audit log." in page
    assert "Only Owners, Admins and Finance members can" in page
    assert "audit.read" not in page and "(viewer)" not in page
    assert "Back to Org A Networks" in page


@pytest.mark.parametrize("capability", [cap.key for cap in roles.CAPABILITIES])
def test_every_capability_has_a_refusal_in_words(capability):
    lacking = [role for role in roles.ROLES_BY_POWER if not roles.has_capability(role, capability)]
    denied = lacking[-1] if lacking else roles.Role.VIEWER
    message = roles.refusal(denied, capability)
    assert capability not in message and message.startswith("As a") and "can't" in message


def test_a_removed_member_is_told_they_were_removed(personas, client_for):
    engineer = personas.member("engineer")
    owner = Membership.objects.get(user=personas.alice, organization=personas.org_a)
    remove_member(owner, Membership.objects.get(user=engineer, organization=personas.org_a))
    response = client_for(engineer).get("/org-a/subscriptions/")
    assert response.status_code == 404  # nothing of the organization is reachable
    page = response.content.decode()
    assert "You're no longer a member of Org A Networks" in page
    assert "You were removed from Org A Networks on" in page
    assert "alice@org-a.test" not in page  # who removed them is the organization's business
    api = client_for(engineer).get("/api/v1/orgs/org-a")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"  # the API's shape, unchanged

    # Someone who never was a member still learns nothing.
    page = client_for(personas.charlie).get("/org-a/subscriptions/").content.decode()
    assert "Page not found" in page and "Org A Networks" not in page
