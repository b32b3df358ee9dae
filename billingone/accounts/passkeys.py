"""Passkey assertion failures: logged and rate-limited.

allauth emits no signal when a passkey assertion fails (wrong relying party, unknown or
removed credential, replayed challenge), for web and headless alike. Every such check goes
through AuthenticateWebAuthnForm.clean_credential (the login, 2FA and re-auth forms and
the headless inputs all inherit it), so `install()` wraps that one method once, at start-up.
"""

from __future__ import annotations

import functools

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.core import context, ratelimit
from django.core.exceptions import ValidationError
from fido2.utils import websafe_decode

from billingone.accounts import history
from billingone.accounts.models import LoginEvent, PasskeyEvent

BUDGET_ACTION = "passkey_failed"


def _find_authenticator(user, credential: dict):
    from allauth.mfa.webauthn.internal import auth

    try:
        credential_id = websafe_decode(credential.get("id") or credential.get("rawId") or "")
    except (ValueError, TypeError, AttributeError):
        return None
    return auth.get_authenticator_by_credential_id(user, credential_id)


def _claimed_user(form, credential):
    if form.user is not None:
        return form.user
    from allauth.mfa.webauthn.internal import auth

    try:
        return auth.extract_user_from_response(credential)
    except ValidationError:
        return None


def record_failure(form, credential) -> None:
    if not isinstance(credential, dict):
        return
    user = _claimed_user(form, credential)
    if user is None:
        return
    request = context.request
    authenticator = _find_authenticator(user, credential)
    history.passkey_event(request, user, authenticator, event=PasskeyEvent.Kind.FAILED)
    if not form.reauthenticated:
        outcome = LoginEvent.Outcome.FAILURE if form.passwordless else LoginEvent.Outcome.MFA_FAILURE
        history.login_event(request, user, outcome=outcome, method=LoginEvent.Method.PASSKEY)


def install() -> None:
    from allauth.mfa.webauthn.forms import AuthenticateWebAuthnForm

    original = AuthenticateWebAuthnForm.clean_credential
    if getattr(original, "billingone_wrapped", False):
        return

    @functools.wraps(original)
    def clean_credential(self):
        request = context.request
        if not ratelimit.consume(request, action=BUDGET_ACTION, dry_run=True):
            raise get_account_adapter().validation_error("too_many_login_attempts")
        try:
            return original(self)
        except ValidationError:
            ratelimit.consume(request, action=BUDGET_ACTION)
            record_failure(self, self.cleaned_data.get("credential"))
            raise

    clean_credential.billingone_wrapped = True
    AuthenticateWebAuthnForm.clean_credential = clean_credential
