"""The Settings sidebar: the seeds' sections in their order, each behind a capability.

A section is listed once its view exists (its URL name resolves) and the member's role
has its capability, so nothing links to a page that is not built.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from billingone.orgs import roles


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    url_name: str
    capability: str
    hint: str


SECTIONS: tuple[Section, ...] = (
    Section("profile", "Profile", "settings_profile", "account.manage", "Name, avatar, password"),
    Section("security", "Security", "settings_security", "account.manage", "MFA, passkeys, recovery codes"),
    Section("sessions", "Sessions", "settings_sessions", "account.manage", "Signed-in devices"),
    Section("organization", "Organization", "settings_organization", "org.view", "Name, URL, policies"),
    Section("branding", "Branding", "settings_branding", "org.manage", "Logo and colours"),
    Section("team", "Team", "settings_team", "org.view", "Members, roles, invitations"),
    Section("integrations", "Billing Integrations", "settings_integrations", "org.view", "Connections and syncs"),
    Section("notifications", "Notifications", "settings_notifications", "account.manage", "Email, in-app, push"),
    Section("audit", "Audit Logs", "settings_audit", "audit.read", "Who changed what"),
)


def visible_sections(organization, role: str) -> list[dict]:
    items = []
    for section in SECTIONS:
        if not roles.has_capability(role, section.capability):
            continue
        try:
            url = reverse(section.url_name, kwargs={"slug": organization.slug})
        except NoReverseMatch:
            continue
        items.append({"key": section.key, "label": section.label, "url": url, "hint": section.hint})
    return items
