"""allauth's passkey forms with our wording and one name limit (PASSKEY_NAME_MAX_LENGTH)."""

from __future__ import annotations

from allauth.mfa.webauthn.forms import AddWebAuthnForm, EditWebAuthnForm
from django.core.validators import MaxLengthValidator

from billingone.accounts.models import PASSKEY_NAME_MAX_LENGTH
from billingone.accounts.passkeys import NAME_TOO_LONG


def _limit_name(field) -> None:
    field.max_length = PASSKEY_NAME_MAX_LENGTH
    field.validators.append(MaxLengthValidator(PASSKEY_NAME_MAX_LENGTH, message=NAME_TOO_LONG))
    field.widget.attrs.update(maxlength=str(PASSKEY_NAME_MAX_LENGTH), placeholder="e.g. Work laptop")
    field.label = "Passkey name"


class AddPasskeyForm(AddWebAuthnForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _limit_name(self.fields["name"])
        passwordless = self.fields.get("passwordless")
        if passwordless is not None:
            passwordless.initial = True
            passwordless.label = "Sign in with this passkey alone (no password)"
            passwordless.help_text = "Needs a device that checks your fingerprint, face or PIN."


class EditPasskeyForm(EditWebAuthnForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _limit_name(self.fields["name"])
        self.fields["name"].help_text = "Name it after the device, so you recognise it later."
