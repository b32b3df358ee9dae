"""Organization and Branding sections of Settings: thin views over orgs/flows.py."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render

from billingone.orgs import roles
from billingone.orgs.branding import AA_NORMAL_TEXT, css_variables
from billingone.orgs.errors import FlowError
from billingone.orgs.flows import LOGO_MAX_BYTES, check_slug, reset_branding, update_branding, update_organization
from billingone.orgs.forms import BrandingForm, OrganizationForm
from billingone.orgs.models import DEFAULT_ACCENT_COLOR, DEFAULT_PRIMARY_COLOR
from billingone.orgs.tenancy import org_view


def _form_error(form, error: FlowError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def _organization_page(request, form, status: int = 200, slug_change: dict | None = None):
    can_manage = roles.has_capability(request.membership.role, "org.manage")
    context = {"form": form, "section": "organization", "can_manage": can_manage, "slug_change": slug_change}
    return render(request, "orgs/settings_organization.html", context, status=status)


@org_view("org.view")
def organization(request, slug: str):
    can_manage = roles.has_capability(request.membership.role, "org.manage")
    return _organization_page(request, OrganizationForm.for_organization(request.organization, readonly=not can_manage))


@org_view("org.manage", methods=("POST",))
def organization_save(request, slug: str):
    """A new URL is confirmed first: the page says what it becomes (lower-cased) and that links change."""
    form = OrganizationForm.for_organization(request.organization, request.POST)
    if not form.is_valid():
        return _organization_page(request, form, status=422)
    data = form.cleaned_data
    new_slug = data["slug"].strip().lower()
    try:
        if new_slug != request.organization.slug and request.POST.get("confirm_slug") != new_slug:
            check_slug(new_slug, request.organization)
            return _confirm_slug_change(request, data["slug"].strip(), new_slug)
        org = update_organization(
            request.membership,
            name=data["name"],
            slug=new_slug,
            require_mfa=data["require_mfa"],
            session_timeout_minutes=data["session_timeout"],
            request=request,
        )
    except FlowError as error:
        _form_error(form, error)
        return _organization_page(request, form, status=422)
    messages.success(request, "Organization settings saved." + _moved_note(slug, org.slug, request))
    return redirect("settings_organization", slug=org.slug)


def _confirm_slug_change(request, typed: str, new_slug: str):
    """The same form again, with the lower-cased URL and a confirmation; nothing is saved yet."""
    form = OrganizationForm.for_organization(request.organization, {**request.POST.dict(), "slug": new_slug})
    host = request.get_host()
    slug_change = {
        "typed": typed,
        "slug": new_slug,
        "lowered": typed != new_slug,
        "old_url": f"{host}/{request.organization.slug}/",
        "new_url": f"{host}/{new_slug}/",
    }
    return _organization_page(request, form, slug_change=slug_change)


def _moved_note(old: str, new: str, request) -> str:
    if old == new:
        return ""
    return f" Its address is now {request.get_host()}/{new}/; links to /{old}/ redirect here for 30 days."


def _branding_page(request, form, status: int = 200):
    organization = request.organization
    context = {
        "form": form,
        "section": "branding",
        "colors": css_variables(organization),
        "defaults": {"primary": DEFAULT_PRIMARY_COLOR, "accent": DEFAULT_ACCENT_COLOR},
        "aa_ratio": AA_NORMAL_TEXT,
        "logo_max_kb": LOGO_MAX_BYTES // 1024,
    }
    return render(request, "orgs/settings_branding.html", context, status=status)


@org_view("org.manage")
def branding(request, slug: str):
    org = request.organization
    form = BrandingForm(initial={"primary_color": org.primary_color, "accent_color": org.accent_color})
    return _branding_page(request, form)


@org_view("org.manage", methods=("POST",))
def branding_save(request, slug: str):
    form = BrandingForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            update_branding(
                request.membership,
                primary_color=data["primary_color"],
                accent_color=data["accent_color"],
                logo=data["logo"] or None,
                remove_logo=data["remove_logo"],
                request=request,
            )
        except FlowError as error:
            _form_error(form, error)
        else:
            messages.success(request, "Branding saved. It now applies to every page and email of the organization.")
            return redirect("settings_branding", slug=slug)
    return _branding_page(request, form, status=422)


@org_view("org.manage", methods=("POST",))
def branding_reset(request, slug: str):
    reset_branding(request.membership, request=request)
    messages.success(request, "Branding reset to the BillingOne defaults.")
    return redirect("settings_branding", slug=slug)
