"""/api/v1/orgs/{slug}: the organization, read-only for the app."""

from __future__ import annotations

from django.urls import reverse
from ninja import Router, Schema

from billingone.api.errors import web_only
from billingone.notifications.notify import sync_failures_enabled
from billingone.orgs.branding import css_variables
from billingone.orgs.tenancy import org_endpoint

router = Router(tags=["organizations"])


class BrandingOut(Schema):
    logo_url: str | None
    primary_color: str
    accent_color: str


class OrganizationOut(Schema):
    name: str
    slug: str
    mfa_required: bool
    session_timeout_minutes: int | None
    branding: BrandingOut
    role: str
    # The org-wide switch (Settings → Notifications) that lets sync failures notify by email, in-app and push.
    sync_failure_notifications: bool


def organization_payload(request) -> dict:
    organization = request.organization
    colors = css_variables(organization)
    return {
        "name": organization.name,
        "slug": organization.slug,
        "mfa_required": organization.require_mfa,
        "session_timeout_minutes": organization.session_timeout_minutes,
        "branding": {
            "logo_url": request.build_absolute_uri(organization.logo.url) if organization.logo else None,
            "primary_color": colors["--brand-primary"],
            "accent_color": colors["--brand-accent"],
        },
        "role": request.membership.role,
        "sync_failure_notifications": sync_failures_enabled(organization),
    }


@router.get("/orgs/{slug}", response=OrganizationOut, summary="The organization and your role in it")
@org_endpoint("org.view")
def get_organization(request, slug: str):
    return organization_payload(request)


@router.patch("/orgs/{slug}", summary="Organization settings are web-only")
@org_endpoint("org.view")
def patch_organization(request, slug: str):
    raise web_only(request, reverse("settings_organization", kwargs={"slug": slug}), "Changing organization settings")
