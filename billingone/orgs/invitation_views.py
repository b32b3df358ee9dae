"""The invitation link: /invitations/<token>/ shows who invites you, then joins you.

Signed in: one button joins. Signed out: "Create account" (the sign-up joins the inviting
organization instead of creating one, and the invited address counts as verified because the
link reached it) or "Sign in" (back here afterwards).
"""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from billingone.orgs import roles
from billingone.orgs.errors import Conflict
from billingone.orgs.team import (
    UNUSABLE,
    WrongAccount,
    accept_invitation,
    find_invitation,
    is_invited_account,
    remember_invitation,
    wrong_account_message,
)

INVALID = "This invitation link is not valid. Check that you copied the whole link from the email."


def _problem(request, message: str, status: int):
    return render(request, "orgs/invitation.html", {"problem": message}, status=status)


def _wrong_account(request, invitation, message: str):
    context = {"invitation": invitation, "wrong_account": message}
    return render(request, "orgs/invitation.html", context, status=403)


@require_http_methods(["GET", "POST"])
def accept(request, token: str):
    invitation = find_invitation(token)
    if invitation is None:
        return _problem(request, INVALID, 404)
    if invitation.status != "pending":
        return _problem(request, UNUSABLE[invitation.status], 410)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(request.path)
        try:
            membership = accept_invitation(invitation, request.user, request=request)
        except Conflict as error:
            return _problem(request, error.message, 410)
        except WrongAccount as error:
            return _wrong_account(request, invitation, error.message)
        messages.success(request, f"Welcome to {membership.organization.name}.")
        return redirect("org_home", slug=membership.organization.slug)
    if request.user.is_authenticated and not is_invited_account(invitation, request.user):
        return _wrong_account(request, invitation, wrong_account_message(invitation, request.user))
    if not request.user.is_authenticated:
        remember_invitation(request, invitation)
        # The link reached this address, so a sign-up with it needs no second verification email.
        get_adapter(request).stash_verified_email(request, invitation.email)
    context = {
        "invitation": invitation,
        "role_label": invitation.role_enum.label,
        "role_description": roles.ROLE_DESCRIPTIONS[invitation.role_enum],
        "signup_url": reverse("account_signup") + "?" + urlencode({"email": invitation.email}),
        "login_url": reverse("account_login") + "?" + urlencode({"next": request.path}),
    }
    return render(request, "orgs/invitation.html", context)
