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
    # integrations (issue 5): connections and sync runs; credential values are never recorded
    "integration.connect": "An integration was connected (credentials saved)",
    "integration.configure": "An integration's credentials or settings were changed",
    "integration.disconnect": "An integration was disconnected (credentials deleted)",
    "integration.test": "An integration's connection was tested",
    "integration.sync.request": "A sync was asked for (by a person, Sync All or the schedule)",
    "integration.sync.succeed": "A sync run finished successfully",
    "integration.sync.retry": "A sync run failed transiently and will be retried",
    "integration.sync.fail": "A sync run finally failed",
    # Xero (issue 6): OAuth connect and client mapping; tokens and secrets are never recorded
    "integration.oauth.start": "A person started connecting an OAuth integration (sent to the provider)",
    "integration.oauth.fail": "An OAuth connect ended without a connection (declined, refused state, provider error)",
    "integration.reconnect": "An OAuth integration was authorised again",
    "integration.revoke": "An integration's access was revoked at the provider (on disconnect)",
    "mapping.confirm": "A client mapping (Pax8 company → accounting contact) was confirmed",
    "mapping.change": "A client mapping was changed to another contact or cleared",
    "mapping.confirm_all": "Every high-confidence mapping suggestion was confirmed at once",
    # access control
    "authz.denied": "A member asked for something their role does not allow",
}


def describe(action: str) -> str:
    return AUDIT_EVENTS.get(action, action)


def is_registered(action: str) -> bool:
    return action in AUDIT_EVENTS
