"""The registry of audit actions: dotted names, each with what it means.

`record()` refuses names that are not here, and docs/security/audit-events.md lists exactly
these (a test keeps the two in step). Apps add their actions to this one table.
"""

from __future__ import annotations

AUDIT_EVENTS: dict[str, str] = {
    # accounts
    "user.signup": "A person signed up",
    "user.profile_update": "A user changed their profile",
    # organizations
    "org.create": "An organization was created",
    # organizations: settings, branding and team (issue 4)
    "org.update": "Organization settings changed (name, URL slug, MFA requirement, session timeout)",
    "org.branding_update": "Organization branding changed (logo, colours)",
    "org.branding_reset": "Organization branding reset to the defaults",
    "member.invite": "A person was invited to the organization",
    "member.invite_resend": "An invitation was sent again with a new link",
    "member.invite_revoke": "An invitation was revoked",
    "member.invite_accept": "An invitation was accepted; the person joined",
    "member.role_change": "A member's role changed",
    "member.remove": "A member was removed from the organization",
    "member.bulk_import": "A bulk team import was applied",
    # access control
    "authz.denied": "A member asked for something their role does not allow",
    # notifications and the audit log itself (issue 7)
    "notifications.preferences_update": "A user changed their notification preferences",
    "notifications.policy_update": "The organization's notification policy changed",
    "notifications.device_register": "A user registered a device for push notifications",
    "notifications.device_remove": "A user removed a push notification device",
    "audit.export": "The audit log was exported to CSV",
    "audit.pruned": "Audit entries older than the retention period were pruned",
}


def describe(action: str) -> str:
    return AUDIT_EVENTS.get(action, action)


def is_registered(action: str) -> bool:
    return action in AUDIT_EVENTS
