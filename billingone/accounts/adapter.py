"""allauth adapters: where people land after sign-in, and MFA secrets encrypted at rest."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.urls import reverse

from billingone.accounts import mfa_secrets
from billingone.accounts.ratelimit_events import LIMIT_CODES, exceeded
from billingone.orgs.flows import landing_organization


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
    # Secrets are bound to their row at rest; allauth sees the in-memory form (accounts/mfa_secrets.py).
    def encrypt(self, text: str) -> str:
        return mfa_secrets.seal_in_memory(text)

    def decrypt(self, encrypted_text: str) -> str:
        return mfa_secrets.open_in_memory(encrypted_text)

    def get_public_key_credential_rp_entity(self) -> dict[str, str]:
        # Pinned, so a spoofed Host header cannot change the relying party (SECURITY.md #14).
        return {"id": settings.WEBAUTHN_RP_ID, "name": settings.WEBAUTHN_RP_NAME}
