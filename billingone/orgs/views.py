"""Landing, organization switching, and the Settings entry point."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from billingone.orgs.flows import create_organization, landing_organization, remember_organization
from billingone.orgs.forms import NewOrganizationForm
from billingone.orgs.navigation import visible_sections
from billingone.orgs.tenancy import org_view


def home(request):
    if not request.user.is_authenticated:
        return redirect("account_login")
    organization = landing_organization(request.user)
    if organization is None:
        return redirect("org_new")
    return redirect("org_home", slug=organization.slug)


@login_required
@require_http_methods(["GET", "POST"])
def new_organization(request):
    form = NewOrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organization = create_organization(request.user, form.cleaned_data["name"], request=request)
        return redirect("org_home", slug=organization.slug)
    return render(request, "orgs/new.html", {"form": form})


@org_view("account.manage")
def settings_index(request, slug: str):
    remember_organization(request.user, request.organization)
    sections = visible_sections(request.organization, request.membership.role)
    return redirect(sections[0]["url"])
