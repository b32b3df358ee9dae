"""allauth's add-passkey form with our wording: a passkey signs in on its own by default."""

from __future__ import annotations

from allauth.mfa.webauthn.forms import AddWebAuthnForm


class AddPasskeyForm(AddWebAuthnForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].label = "Passkey name"
        self.fields["name"].max_length = 100
        self.fields["name"].widget.attrs.update(maxlength="100", placeholder="e.g. Work laptop")
        passwordless = self.fields.get("passwordless")
        if passwordless is not None:
            passwordless.initial = True
            passwordless.label = "Sign in with this passkey alone (no password)"
            passwordless.help_text = "Needs a device that checks your fingerprint, face or PIN."
