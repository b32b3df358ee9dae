"""Passkey assertion failures: logged, rate-limited and explained; one limit for names.

allauth emits no signal when a passkey assertion fails (wrong relying party, unknown or
removed credential, replayed challenge), for web and headless alike. Every such check goes
through AuthenticateWebAuthnForm.clean_credential (the login, 2FA and re-auth forms and
the headless inputs all inherit it), so `install()` wraps that one method once, at start-up.
A credential that is not (or no longer) one of the user's passkeys is said to be so, rather
than allauth's "Incorrect code.". The add forms (web and headless) share clean_name, which
`install()` bounds to the same length as renaming.
"""

from __future__ import annotations

import functools

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.core import context, ratelimit
from django.core.exceptions import ValidationError
from fido2.utils import websafe_decode

from billingone.accounts import history
from billingone.accounts.models import PASSKEY_NAME_MAX_LENGTH, LoginEvent, PasskeyEvent

BUDGET_ACTION = "passkey_failed"
UNKNOWN_PASSKEY = (
    "This passkey is not registered to your account any more (it may have been removed). "
    "Sign in with your password or another passkey."
)
NAME_TOO_LONG = f"Keep the passkey name to {PASSKEY_NAME_MAX_LENGTH} characters or fewer."


def check_name_length(name: str) -> str:
    if len(name) > PASSKEY_NAME_MAX_LENGTH:
        raise ValidationError(NAME_TOO_LONG, code="max_length")
    return name


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


def record_failure(form, credential) -> bool:
    """Log a failed assertion; True when its credential is not one of the claimed user's passkeys."""
    if not isinstance(credential, dict):
        return False
    user = _claimed_user(form, credential)
    if user is None:
        return False
    request = context.request
    authenticator = _find_authenticator(user, credential)
    history.passkey_event(request, user, authenticator, event=PasskeyEvent.Kind.FAILED)
    outcomes = LoginEvent.Outcome
    if not form.reauthenticated:
        outcome = outcomes.PASSKEY_UNKNOWN if authenticator is None else outcomes.PASSKEY_FAILURE
        history.login_event(request, user, outcome=outcome, method=LoginEvent.Method.PASSKEY)
    return authenticator is None


def install() -> None:
    _install_failure_handling()
    _install_name_limit()


def _install_name_limit() -> None:
    from allauth.mfa.webauthn.forms import AddWebAuthnForm

    original = AddWebAuthnForm.clean_name
    if getattr(original, "billingone_wrapped", False):
        return

    @functools.wraps(original)
    def clean_name(self):
        return check_name_length(original(self))

    clean_name.billingone_wrapped = True
    AddWebAuthnForm.clean_name = clean_name


def _install_failure_handling() -> None:
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
            if record_failure(self, self.cleaned_data.get("credential")):
                raise ValidationError(UNKNOWN_PASSKEY, code="unknown_passkey") from None
            raise

    clean_credential.billingone_wrapped = True
    AuthenticateWebAuthnForm.clean_credential = clean_credential
