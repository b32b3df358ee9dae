"""Profile section of Settings (the Security and Sessions sections live beside it)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render

from billingone.accounts.flows import update_profile
from billingone.accounts.forms import ProfileForm
from billingone.orgs.tenancy import org_view


@org_view("account.manage", methods=("GET", "POST"))
def profile(request, slug: str):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        update_profile(request.user, name=form.cleaned_data["name"], request=request)
        messages.success(request, "Profile saved.")
        return redirect("settings_profile", slug=slug)
    return render(request, "accounts/profile.html", {"form": form, "section": "profile"})
