from __future__ import annotations

from django import forms


class NewOrganizationForm(forms.Form):
    name = forms.CharField(label="Organization name", max_length=100)
