"""Account forms: the extra signup fields (web and app) and the profile form."""

from __future__ import annotations

from allauth.core import context
from django import forms

from billingone.accounts.models import User
from billingone.accounts.names import NameField
from billingone.audit.log import record
from billingone.orgs.flows import create_organization
from billingone.orgs.team import accept_pending_invitation, pending_invitation


class SignupExtras(forms.Form):
    """Mixed into allauth's signup form (web and headless): the new user's first organization."""

    name = forms.CharField(label="Your name", max_length=150, required=False)
    organization_name = forms.CharField(
        label="Organization name",
        max_length=100,
        required=False,
        help_text="Your MSP's name. You will be its Owner; you can invite your team next.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Arriving from an invitation: the new user joins that organization, so no name for a new one.
        if pending_invitation(getattr(context, "request", None)) is not None:
            self.fields.pop("organization_name")

    def signup(self, request, user: User) -> None:
        user.name = self.cleaned_data.get("name", "").strip()
        user.save(update_fields=["name"])
        membership = accept_pending_invitation(request, user)
        if membership is not None:
            organization = membership.organization
        else:
            organization = create_organization(user, self.cleaned_data.get("organization_name", ""), request=request)
        record("user.signup", organization=organization, request=request, actor=user, target=user)


class ProfileForm(forms.ModelForm):
    name = NameField(
        label="Full name", max_length=150, required=False, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )

    class Meta:
        model = User
        fields = ["name"]  # explicit: nothing else can be mass-assigned
        labels = {"name": "Full name"}
        widgets = {"name": forms.TextInput(attrs={"autocomplete": "name"})}


class AvatarForm(forms.Form):
    avatar = forms.FileField(
        label="Profile picture",
        help_text="PNG, JPEG or WebP, up to 1 MB and 4096×4096 pixels. We crop it to a square.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
