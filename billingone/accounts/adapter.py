"""allauth adapters: where people land after sign-in, and MFA secrets encrypted at rest."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.urls import reverse

from billingone.accounts.ratelimit_events import LIMIT_CODES, exceeded
from billingone.lib import crypto
from billingone.orgs.flows import landing_organization

# TOTP secrets and recovery-code seeds are bound to this purpose; allauth gives the adapter
# no row context, so the AAD names the use rather than the row.
MFA_AAD = crypto.associated_data("allauth.mfa", "authenticator")


class AccountAdapter(DefaultAccountAdapter):
    def validation_error(self, code, *args):
        if code in LIMIT_CODES:  # a budget ran out: log and audit, then answer as allauth does
            exceeded(self.request, code)
        return super().validation_error(code, *args)

    def is_open_for_signup(self, request) -> bool:
        return settings.ACCOUNT_SIGNUP_OPEN

    def get_login_redirect_url(self, request) -> str:
        organization = landing_organization(request.user)
        if organization is None:
            return reverse("home")
        return reverse("org_home", kwargs={"slug": organization.slug})


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return crypto.encrypt(text, aad=MFA_AAD)

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.decrypt(encrypted_text, aad=MFA_AAD)

    def get_public_key_credential_rp_entity(self) -> dict[str, str]:
        # Pinned, so a spoofed Host header cannot change the relying party (SECURITY.md #14).
        return {"id": settings.WEBAUTHN_RP_ID, "name": settings.WEBAUTHN_RP_NAME}
