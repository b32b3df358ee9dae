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
