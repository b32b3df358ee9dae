"""The top bar's pages and the Settings sidebar: the seeds' sections in their order, each
behind a capability.

A page or section is listed once its view exists (its URL name resolves) and the member's
role has its capability, so nothing links to a page that is not built. The layout renders
these lists twice (the desktop bar and the phone menu), so a new page is one line here.
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
    also: tuple[str, ...] = ()  # pages under this one (its link stays active there)


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


# The top bar, left to right. `hint` is unused there; kept so both lists share one shape. The
# Dashboard (the organization's home, "org_home") is the brand link at the bar's left.
MAIN_PAGES: tuple[Section, ...] = (
    # Domains & hosting are vendor subscriptions too: reached from the Subscriptions page.
    Section("subscriptions", "Subscriptions", "subscriptions", "org.view", "", also=("domains",)),
    Section("invoices", "Invoices", "invoices", "org.view", ""),
    Section("payment_links", "Payment links", "payment_links", "org.view", ""),
    Section("clients", "Clients", "clients", "org.view", ""),
    Section("reconciliation", "Reconciliation", "reconciliation", "org.view", ""),
    Section("missed_billing", "Missed billing", "missed_billing", "org.view", ""),
    Section("invoice_drafts", "Drafts", "invoice_drafts", "org.view", ""),
)


def visible_pages(organization, role: str, current_url_name: str | None = None) -> list[dict]:
    items = _visible(MAIN_PAGES, organization, role)
    for item in items:
        item["active"] = current_url_name in (item["url_name"], *item["also"])
    return items


def visible_sections(organization, role: str) -> list[dict]:
    return _visible(SECTIONS, organization, role)


def _visible(sections: tuple[Section, ...], organization, role: str) -> list[dict]:
    items = []
    for section in sections:
        if not roles.has_capability(role, section.capability):
            continue
        try:
            url = reverse(section.url_name, kwargs={"slug": organization.slug})
        except NoReverseMatch:
            continue
        items.append(
            {
                "key": section.key,
                "label": section.label,
                "url": url,
                "hint": section.hint,
                "url_name": section.url_name,
                "also": section.also,
            }
        )
    return items


# allauth's own pages (password, MFA ceremonies, re-authentication) are account pages with no
# organization in their URL: they render inside Settings, under this section, for the
# organization the person used last.
ACCOUNT_PAGE_SECTIONS: dict[str, str] = {
    "account_change_password": "profile",
    "account_set_password": "profile",
    "account_email": "profile",
    "account_reauthenticate": "security",
    "mfa_reauthenticate": "security",
    "mfa_reauthenticate_webauthn": "security",
    "mfa_activate_totp": "security",
    "mfa_deactivate_totp": "security",
    "mfa_view_recovery_codes": "security",
    "mfa_generate_recovery_codes": "security",
    "mfa_add_webauthn": "security",
    "mfa_edit_webauthn": "security",
    "mfa_remove_webauthn": "security",
    "mfa_list_webauthn": "security",
    "usersessions_list": "sessions",
}
