"""The connect form, built from a provider's credential schema. Secret inputs are write-only:
they are never rendered back, and left blank they keep the stored value."""

from __future__ import annotations

from django import forms

from billingone.integrations.base import Provider


class CredentialsForm(forms.Form):
    def __init__(self, provider: type[Provider], *args, has_stored_secret: bool = False, initial_values=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.provider = provider
        for spec in provider.credential_fields:
            if spec.secret:
                widget = forms.PasswordInput(
                    render_value=False,
                    attrs={
                        "autocomplete": "new-password",
                        "placeholder": "Saved — leave blank to keep it" if has_stored_secret else "",
                    },
                )
                required = spec.required and not has_stored_secret
            else:
                widget = forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})
                required = spec.required
            if spec.choices:
                self.fields[spec.name] = forms.ChoiceField(
                    label=spec.label,
                    choices=spec.choices,
                    required=spec.required,
                    help_text=spec.help_text,
                    initial=(initial_values or {}).get(spec.name) or spec.choices[0][0],
                )
                continue
            self.fields[spec.name] = forms.CharField(
                label=spec.label,
                max_length=spec.max_length,
                required=required,
                help_text=spec.help_text,
                widget=widget,
                initial=None if spec.secret else (initial_values or {}).get(spec.name, ""),
                strip=True,
            )

    def values(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in self.fields}


class DisconnectForm(forms.Form):
    data_choice = forms.ChoiceField(
        label="Synced data",
        choices=[
            ("keep", "Keep the synced data (read-only until you connect again)"),
            ("purge", "Delete the synced data too"),
        ],
        initial="keep",
        widget=forms.RadioSelect,
    )


class SyncForm(forms.Form):
    mode = forms.CharField(required=False, max_length=32)
    next = forms.CharField(required=False, max_length=300)
