"""allauth's login form with passkey autofill. Its own module: allauth.account.forms imports
the signup form class from accounts/forms.py, so this cannot live there."""

from __future__ import annotations

from allauth.account.forms import LoginForm as AllauthLoginForm


class LoginForm(AllauthLoginForm):
    """The email field offers the user's passkeys in the browser's autofill."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].widget.attrs["autocomplete"] = "username webauthn"
        self.fields["login"].label = "Email"
