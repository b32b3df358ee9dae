"""Account pages outside an organization: mandatory MFA enrolment, the AASA file, and
redirects from allauth's index pages to our Settings sections."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from billingone.accounts import overview, policy
from billingone.orgs.flows import landing_organization


@require_GET
def apple_app_site_association(request: HttpRequest) -> JsonResponse:
    """Lets the iOS app use passkeys of our relying party (WEBAUTHN_RP_ID)."""
    payload = {"webcredentials": {"apps": list(settings.IOS_APP_IDS)}}
    response = JsonResponse(payload)
    response["Cache-Control"] = "public, max-age=3600"
    return response


@login_required
@require_GET
def to_section(request: HttpRequest, section: str):
    organization = landing_organization(request.user)
    if organization is None:
        return redirect("home")
    return redirect(f"settings_{section}", slug=organization.slug)


@login_required
@require_GET
def mfa_enrol(request: HttpRequest):
    """Where a member lands while an organization requires MFA they have not set up."""
    if not policy.mfa_enrollment_pending(request.user):
        return redirect("home")
    context = {
        "organizations": policy.organizations_requiring_mfa(request.user),
        "mfa": overview.mfa_state(request.user),
    }
    return render(request, "accounts/mfa_enrol.html", context)
