"""Roles and the capability matrix of PRODUCT.md: the one place permissions are defined.

Code asks for a capability ("integrations.connect"), never for a role name. Roles are
ordered by power; `can_manage` guards every change to a membership.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    FINANCE = "finance"
    ENGINEER = "engineer"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def rank(self) -> int:
        return RANKS[self]


# Most powerful first: Owner > Admin > Finance > Engineer > Viewer.
ROLES_BY_POWER: tuple[Role, ...] = (Role.OWNER, Role.ADMIN, Role.FINANCE, Role.ENGINEER, Role.VIEWER)
RANKS = {role: len(ROLES_BY_POWER) - index for index, role in enumerate(ROLES_BY_POWER)}
ROLE_CHOICES = [(role.value, role.label) for role in ROLES_BY_POWER]

ROLE_DESCRIPTIONS = {
    Role.OWNER: "Full control, including granting Owner and deleting the organization.",
    Role.ADMIN: "Manages the team, organization settings, branding and integrations.",
    Role.FINANCE: "Billing staff: integrations, mapping, reconciliation, drafts and the audit log.",
    Role.ENGINEER: "Operations staff: reads billing data and may refresh it with syncs.",
    Role.VIEWER: "Read-only access to billing data, integration status and the team list.",
}


@dataclass(frozen=True)
class Capability:
    key: str
    description: str
    roles: frozenset[Role]


def _cap(key: str, description: str, *roles: Role) -> Capability:
    return Capability(key, description, frozenset(roles))


O, A, F, E, V = Role.OWNER, Role.ADMIN, Role.FINANCE, Role.ENGINEER, Role.VIEWER  # noqa: E741

# The rows of PRODUCT.md's matrix, in its order.
CAPABILITIES: tuple[Capability, ...] = (
    _cap("account.manage", "own Profile, Security, Sessions, Notifications", O, A, F, E, V),
    _cap("org.view", "view billing data, integration status, team list", O, A, F, E, V),
    _cap("integrations.sync", "trigger syncs and Sync All", O, A, F, E),
    _cap("integrations.connect", "connect / configure / disconnect integrations, client mapping", O, A, F),
    _cap("billing.reconcile", "reconcile, act on missed billing, generate / approve / push drafts", O, A, F),
    _cap("audit.read", "audit log (read, export)", O, A, F),
    _cap("members.manage", "invite, change roles, remove members, bulk import", O, A),
    _cap("org.manage", "organization name/slug, MFA requirement, session timeout, branding", O, A),
    _cap("notifications.policy", "org-wide notification policy (sync-failure push)", O, A),
    _cap("org.own", "grant or remove Owner, delete the organization", O),
)
# What a refusal says a role cannot do ("As a Viewer you can't …"); the description otherwise.
REFUSALS: dict[str, str] = {
    "account.manage": "manage your own profile, security and sessions",
    "org.view": "see this organization's billing data",
    "integrations.sync": "start a sync",
    "integrations.connect": "connect, configure or disconnect integrations, or map clients",
    "billing.reconcile": "reconcile billing or work on invoice drafts",
    "audit.read": "read or export the audit log",
    "members.manage": "invite, change or remove members",
    "org.manage": "change the organization's settings or branding",
    "notifications.policy": "change the organization-wide notification policy",
    "org.own": "grant or remove the Owner role, or delete the organization",
}
CAPABILITY_KEYS = frozenset(cap.key for cap in CAPABILITIES)
_BY_KEY = {cap.key: cap for cap in CAPABILITIES}


def capability(key: str) -> Capability:
    try:
        return _BY_KEY[key]
    except KeyError:
        raise ValueError(f"Unknown capability {key!r}; add it to orgs/roles.py") from None


def has_capability(role: Role | str, key: str) -> bool:
    return Role(role) in capability(key).roles


def capabilities_of(role: Role | str) -> list[str]:
    return [cap.key for cap in CAPABILITIES if Role(role) in cap.roles]


def refusal(role: Role | str, key: str) -> str:
    """A 403 in words: what this role cannot do, and who can."""
    cap = capability(key)
    allowed = [r for r in ROLES_BY_POWER if r in cap.roles]
    who = ", ".join(_plural(r) for r in allowed[:-1]) + (" and " if len(allowed) > 1 else "") + _plural(allowed[-1])
    return (
        f"As {_article(Role(role))} {Role(role).label} you can't {REFUSALS.get(key, cap.description)}. "
        f"Only {who} can; ask one of them, or ask for a different role."
    )


def _plural(role: Role) -> str:
    return "Finance members" if role == Role.FINANCE else f"{role.label}s"


def _article(role: Role) -> str:
    return "an" if role.label[0] in "AEIOU" else "a"


def can_manage(actor_role: Role | str, target_role: Role | str) -> bool:
    """May someone with actor_role invite, assign, change or remove target_role?

    Nobody manages a role above their own, and Owner is managed only by Owners.
    """
    actor, target = Role(actor_role), Role(target_role)
    if not has_capability(actor, "members.manage"):
        return False
    if target == Role.OWNER:
        return has_capability(actor, "org.own")
    return target.rank <= actor.rank


def assignable_roles(actor_role: Role | str) -> list[Role]:
    return [role for role in ROLES_BY_POWER if can_manage(actor_role, role)]


def matrix() -> list[dict]:
    """The matrix as data: for the Team page, the API and docs/security/permissions.md."""
    return [
        {
            "capability": cap.key,
            "description": cap.description,
            "roles": {role.value: role in cap.roles for role in ROLES_BY_POWER},
        }
        for cap in CAPABILITIES
    ]


def matrix_markdown() -> str:
    header = "| capability | " + " | ".join(role.label for role in ROLES_BY_POWER) + " |"
    rule = "|---|" + "---|" * len(ROLES_BY_POWER)
    rows = [
        f"| {cap.description} (`{cap.key}`) | "
        + " | ".join("✓" if role in cap.roles else "–" for role in ROLES_BY_POWER)
        + " |"
        for cap in CAPABILITIES
    ]
    return "\n".join([header, rule, *rows]) + "\n"
