"""The registry of audit actions: dotted names, each with what it means.

`record()` refuses names that are not here, and docs/security/audit-events.md lists exactly
these (a test keeps the two in step). Apps add their actions to this one table.
"""

from __future__ import annotations

AUDIT_EVENTS: dict[str, str] = {
    # accounts
    "user.signup": "A person signed up",
    "user.profile_update": "A user changed their profile",
    # account security: profile, sign-in, MFA, passkeys, sessions
    "user.login": "A user signed in",
    "user.login_new_device": "A user signed in from a device not seen on their account before",
    "user.login_failed": "A sign-in to an existing account failed (wrong password)",
    "user.mfa_failed": "A wrong TOTP or recovery code was entered",
    "user.logout": "A user signed out",
    "user.password_change": "A user changed or set their password",
    "user.password_reset": "A user reset their password by email",
    "user.email_change": "A user changed their email address",
    "user.avatar_update": "A user uploaded a new avatar",
    "user.avatar_remove": "A user removed their avatar",
    "mfa.totp_add": "A user turned on TOTP (authenticator app)",
    "mfa.totp_remove": "A user turned off TOTP",
    "mfa.recovery_codes_generate": "Recovery codes were generated or regenerated",
    "mfa.recovery_codes_remove": "Recovery codes were removed with the last factor",
    "passkey.add": "A user registered a passkey",
    "passkey.rename": "A user renamed a passkey",
    "passkey.remove": "A user removed a passkey",
    "session.revoke": "A user signed out one of their other sessions",
    "session.revoke_others": "A user signed out all their other sessions",
    "ratelimit.exceeded": "An attempt was refused because a rate-limit budget ran out",
    # organizations
    "org.create": "An organization was created",
    # organizations: settings, branding and team
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
    # integrations: connections and sync runs; credential values are never recorded
    "integration.connect": "An integration was connected (credentials saved)",
    "integration.configure": "An integration's credentials or settings were changed",
    "integration.disconnect": "An integration was disconnected (credentials deleted)",
    "integration.test": "An integration's connection was tested",
    "integration.sync.request": "A sync was asked for (by a person, Sync All or the schedule)",
    "integration.sync.succeed": "A sync run finished successfully",
    "integration.sync.retry": "A sync run failed transiently and will be retried",
    "integration.sync.fail": "A sync run finally failed",
    # OAuth connects and client links; tokens and secrets are never recorded
    "integration.oauth.start": "A person started connecting an OAuth integration (sent to the provider)",
    "integration.oauth.fail": "An OAuth connect ended without a connection (declined, refused state, provider error)",
    "integration.reconnect": "An OAuth integration was authorised again",
    "integration.revoke": "An integration's access was revoked at the provider (on disconnect)",
    "mapping.confirm": "A suggested link of a customer to a client was confirmed",
    "mapping.reject": "A suggested or confirmed link of a customer to a client was rejected",
    "mapping.change": "A customer was linked to a client by hand",
    "mapping.confirm_all": "Every high-confidence mapping suggestion was confirmed at once",
    "mapping.auto_confirm_policy": "The confidence from which client links are confirmed without a person was set",
    "mapping.auto_confirm": "Client-link suggestions above the organization's threshold were confirmed after a sync",
    # reconciliation, product mapping and the missed-billing queue
    "reconciliation.run": "Reconciliation compared licensed with billed (after a sync, on demand, by a reconcile sync)",
    "reconciliation.request": "A person asked for a reconciliation now",
    "product_mapping.confirm": "A vendor product → accounting item mapping suggestion was confirmed",
    "product_mapping.change": "A vendor product's accounting item code or description pattern was set or changed",
    "product_mapping.clear": "A vendor product's mapping was removed",
    "missed_billing.snooze": "A missed-billing item was snoozed until a date",
    "missed_billing.ignore": "A missed-billing item was ignored (with a reason)",
    "missed_billing.review": "A missed-billing item was marked reviewed",
    "missed_billing.reopen": "A snoozed, ignored or reviewed missed-billing item was reopened by a person",
    "missed_billing.export": "The missed-billing queue or the reconciliation was exported to CSV",
    "missed_billing.apply": "A missed-billing item was applied: its gap was put on an invoice draft",
    # invoice drafts
    "invoice_draft.create": "An invoice draft (or credit note draft) was created for a client",
    "invoice_draft.update": "An invoice draft's lines or dates were edited, or lines removed",
    "invoice_draft.approve": "An invoice draft was approved for pushing",
    "invoice_draft.push": "An invoice draft was pushed to the accounting provider (or the push failed)",
    "invoice_draft.delete": "An invoice draft was deleted before it was pushed",
    # access control
    "authz.denied": "A member asked for something their role does not allow",
    # notifications and the audit log itself
    "notifications.preferences_update": "A user changed their notification preferences",
    "notifications.policy_update": "The organization's notification policy changed",
    "notifications.device_register": "A user registered a device for push notifications",
    "notifications.device_remove": "A user removed a push notification device",
    "audit.export": "The audit log was exported to CSV",
    "audit.pruned": "Audit entries older than the retention period were pruned",
}


def describe(action: str) -> str:
    return AUDIT_EVENTS.get(action, action)


def target_kind(target_type: str) -> str:
    """ "orgs.organization" → "Organization": the model's own name, for people."""
    from django.apps import apps

    try:
        return str(apps.get_model(target_type)._meta.verbose_name).capitalize()
    except (LookupError, ValueError):
        return target_type.rpartition(".")[2].replace("_", " ").capitalize()


def field_label(field: str) -> str:
    """ "session_timeout_minutes" → "Session timeout minutes"."""
    return field.replace("_", " ").strip().capitalize()


def is_registered(action: str) -> bool:
    return action in AUDIT_EVENTS
