"""roles.py is PRODUCT.md's matrix, exactly, and the documented copy matches it."""

from __future__ import annotations

from pathlib import Path

import pytest

from billingone.orgs import roles
from billingone.orgs.roles import Role

# PRODUCT.md, "Roles (decided)": capability → (Owner, Admin, Finance, Engineer, Viewer).
PRODUCT_MATRIX = {
    "own Profile, Security, Sessions, Notifications": "✓✓✓✓✓",
    "view billing data, integration status, team list": "✓✓✓✓✓",
    "trigger syncs and Sync All": "✓✓✓✓–",
    "connect / configure / disconnect integrations, client mapping": "✓✓✓––",
    "reconcile, act on missed billing, generate / approve / push drafts": "✓✓✓––",
    "audit log (read, export)": "✓✓✓––",
    "invite, change roles, remove members, bulk import": "✓✓–––",
    "organization name/slug, MFA requirement, session timeout, branding": "✓✓–––",
    "org-wide notification policy (sync-failure push)": "✓✓–––",
    "grant or remove Owner, delete the organization": "✓––––",
}
DOCS = Path(__file__).resolve().parents[3] / "docs" / "security" / "permissions.md"


def test_roles_are_ordered_by_power():
    assert [role.value for role in roles.ROLES_BY_POWER] == ["owner", "admin", "finance", "engineer", "viewer"]
    assert Role.OWNER.rank > Role.ADMIN.rank > Role.FINANCE.rank > Role.ENGINEER.rank > Role.VIEWER.rank


def test_matrix_is_product_md_exactly():
    ours = {
        cap.description: "".join("✓" if role in cap.roles else "–" for role in roles.ROLES_BY_POWER)
        for cap in roles.CAPABILITIES
    }
    assert ours == PRODUCT_MATRIX
    assert [cap.description for cap in roles.CAPABILITIES] == list(PRODUCT_MATRIX)


def test_documented_matrix_matches_the_code():
    assert roles.matrix_markdown() in DOCS.read_text()


def test_unknown_capability_is_a_programming_error():
    with pytest.raises(ValueError, match="Unknown capability"):
        roles.has_capability(Role.OWNER, "members.delete_everything")


@pytest.mark.parametrize(
    ("actor", "target", "allowed"),
    [
        (Role.OWNER, Role.OWNER, True),
        (Role.OWNER, Role.ADMIN, True),
        (Role.ADMIN, Role.OWNER, False),  # an Admin cannot touch an Owner
        (Role.ADMIN, Role.ADMIN, True),
        (Role.ADMIN, Role.FINANCE, True),
        (Role.ADMIN, Role.VIEWER, True),
        (Role.FINANCE, Role.VIEWER, False),  # no members.manage
        (Role.ENGINEER, Role.VIEWER, False),
        (Role.VIEWER, Role.VIEWER, False),
    ],
)
def test_can_manage(actor, target, allowed):
    assert roles.can_manage(actor, target) is allowed


def test_assignable_roles():
    assert roles.assignable_roles(Role.ADMIN) == [Role.ADMIN, Role.FINANCE, Role.ENGINEER, Role.VIEWER]
    assert roles.assignable_roles(Role.OWNER) == list(roles.ROLES_BY_POWER)
    assert roles.assignable_roles(Role.FINANCE) == []


def test_matrix_as_data():
    rows = roles.matrix()
    assert rows[0]["capability"] == "account.manage"
    assert rows[-1] == {
        "capability": "org.own",
        "description": "grant or remove Owner, delete the organization",
        "roles": {"owner": True, "admin": False, "finance": False, "engineer": False, "viewer": False},
    }
