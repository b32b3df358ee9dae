"""Account pages outside an organization: mandatory MFA enrolment, the AASA file, and
redirects from allauth's index pages to our Settings sections."""

from __future__ import annotations

from allauth.account import views as allauth_views
from allauth.core.internal.ratelimit import parse_rates
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS
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


def login_retry_after_seconds() -> int:
    """The longest window of the failed-password budget: after it, the account's bucket is empty."""
    rates = parse_rates(settings.ACCOUNT_RATE_LIMITS.get("login_failed"))
    return int(max((rate.duration for rate in rates), default=60))


class LoginView(allauth_views.LoginView):
    """allauth's sign-in page; a locked-out attempt answers 429 with Retry-After (as a client
    expects of a rate limit), still showing the form and its clear message."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, "too_many_login_attempts"):
            response.status_code = 429
            response["Retry-After"] = str(login_retry_after_seconds())
        return response


login = LoginView.as_view()
