"""allauth's sign-in and change-password forms with our wording (and passkey autofill). Their own
module: allauth.account.forms imports the signup form class from accounts/forms.py, so these
cannot live there."""

from __future__ import annotations

from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from allauth.account.forms import LoginForm as AllauthLoginForm


class LoginForm(AllauthLoginForm):
    """The email field offers the user's passkeys in the browser's autofill."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Email"
        self.fields["login"].widget.attrs["autocomplete"] = "username webauthn"
        if "remember" in self.fields:
            self.fields["remember"].label = "Keep me signed in on this device"


class ChangePasswordForm(AllauthChangePasswordForm):
    LABELS = {"oldpassword": "Current password", "password1": "New password", "password2": "New password, again"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, label in self.LABELS.items():
            self.fields[name].label = label
            self.fields[name].widget.attrs.pop("placeholder", None)
