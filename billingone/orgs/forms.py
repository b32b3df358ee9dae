"""Forms of the organization area. Fields are explicit; the flows hold the rules."""

from __future__ import annotations

from django import forms

from billingone.accounts.names import NameField
from billingone.orgs import roles
from billingone.orgs.bulk import MAX_ROWS
from billingone.orgs.models import Organization


class Form(forms.Form):
    """Our forms: labels without a trailing colon, like the rest of the product."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class NewOrganizationForm(Form):
    name = NameField(label="Organization name", max_length=100)


class OrganizationForm(Form):
    name = NameField(label="Organization name", max_length=100)
    slug = forms.CharField(
        label="URL",
        max_length=40,
        help_text="Lowercase letters, digits and hyphens. Changing it changes every link; "
        "the old URL keeps redirecting for 30 days.",
    )
    require_mfa = forms.BooleanField(
        label="Require MFA for all members",
        required=False,
        help_text="Members without a second factor must set one up before they can do anything else.",
    )
    session_timeout = forms.IntegerField(
        label="Session timeout (idle minutes)",
        required=False,
        min_value=5,
        max_value=720,
        help_text="Sign members out after this many minutes without activity, on the web and in the app. "
        "Leave empty for off (the 12-hour absolute limit still applies).",
    )

    @classmethod
    def for_organization(cls, organization: Organization, data=None, *, readonly: bool = False) -> OrganizationForm:
        initial = {
            "name": organization.name,
            "slug": organization.slug,
            "require_mfa": organization.require_mfa,
            "session_timeout": organization.session_timeout_minutes,
        }
        form = cls(data, initial=initial)
        if readonly:
            for field in form.fields.values():
                field.disabled = True
        return form


class ColorInput(forms.TextInput):
    def __init__(self):
        super().__init__(
            attrs={
                "pattern": "#[0-9A-Fa-f]{6}",
                "maxlength": 7,
                "spellcheck": "false",
                "autocomplete": "off",
                "class": "color-text",
                "data-color-text": "",
            }
        )


class BrandingForm(Form):
    logo = forms.FileField(
        label="Logo",
        required=False,
        help_text="PNG, JPEG or WebP, up to 1 MB and 4096×4096 pixels. It replaces the BillingOne logo in the "
        "header and in emails. SVG is not accepted.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp", "data-logo-input": ""}),
    )
    remove_logo = forms.BooleanField(label="Remove the current logo", required=False)
    primary_color = forms.CharField(
        label="Primary colour",
        max_length=100,
        widget=ColorInput(),
        help_text="Buttons, links and highlights. Format #RRGGBB.",
    )
    accent_color = forms.CharField(
        label="Accent colour", max_length=100, widget=ColorInput(), help_text="Secondary highlights. Format #RRGGBB."
    )


class InviteForm(Form):
    email = forms.EmailField(label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(label="Role")
    name = NameField(label="Name (optional)", max_length=150, required=False)

    def __init__(self, *args, actor_role: str, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(role.value, role.label) for role in roles.assignable_roles(actor_role)]
        self.fields["role"].choices = choices
        self.fields["role"].help_text = "Use the Finance role for billing-only staff."
        if "finance" in dict(choices):
            self.fields["role"].initial = "finance"


class RoleForm(Form):
    role = forms.ChoiceField(label="Role", choices=roles.ROLE_CHOICES)


class ImportForm(Form):
    file = forms.FileField(
        label="CSV file",
        allow_empty_file=True,  # the import explains what is wrong with an empty file
        help_text=f"Columns email, role and optionally name; comma or semicolon; UTF-8. Up to {MAX_ROWS:,} rows.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
