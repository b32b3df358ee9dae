"""Settings sections of the signed-in user: Profile, Security and Sessions.

The MFA ceremonies themselves (TOTP activation, passkey registration, recovery codes) are
allauth's views, dressed by our templates; these pages list state and link to them.
"""

from __future__ import annotations

import functools

from allauth.core.exceptions import ReauthenticationRequired
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from billingone.accounts import flows, overview
from billingone.accounts.flows import recently_authenticated
from billingone.accounts.forms import AvatarForm, ProfileForm
from billingone.accounts.sessions import live_sessions, session_row
from billingone.lib.images import ImageRejected
from billingone.orgs.tenancy import org_view

HISTORY_ROWS = 15
SESSIONS_PAGE_SIZE = 25


def recent_authentication_required(view):
    """Sign-in or re-authentication within ACCOUNT_REAUTHENTICATION_TIMEOUT (300 s), else
    allauth's re-auth prompt, which then replays the suspended POST (ASVS 7.5.2)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not recently_authenticated(request.session, request.user):
            raise ReauthenticationRequired()
        return view(request, *args, **kwargs)

    return wrapper


@org_view("account.manage", methods=("GET", "POST"))
def profile(request, slug: str):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        flows.update_profile(request.user, name=form.cleaned_data["name"], request=request)
        messages.success(request, "Profile saved.")
        return redirect("settings_profile", slug=slug)
    return _render_profile(request, form, AvatarForm())


def _render_profile(request, form, avatar_form, status: int = 200):
    context = {"form": form, "avatar_form": avatar_form, "section": "profile"}
    return render(request, "accounts/profile.html", context, status=status)


@org_view("account.manage", methods=("POST",))
def avatar_upload(request, slug: str):
    avatar_form = AvatarForm(request.POST, request.FILES)
    if avatar_form.is_valid():
        try:
            flows.update_avatar(request.user, avatar_form.cleaned_data["avatar"], request=request)
        except ImageRejected as exc:
            avatar_form.add_error("avatar", str(exc))
        else:
            messages.success(request, "Profile picture updated.")
            return redirect("settings_profile", slug=slug)
    return _render_profile(request, ProfileForm(instance=request.user), avatar_form, status=422)


@org_view("account.manage", methods=("POST",))
def avatar_remove(request, slug: str):
    flows.remove_avatar(request.user, request=request)
    messages.success(request, "Profile picture removed.")
    return redirect("settings_profile", slug=slug)


@org_view("account.manage")
def security(request, slug: str):
    context = {
        "section": "security",
        "mfa": overview.mfa_state(request.user),
        "login_events": overview.login_history(request.user)[:HISTORY_ROWS],
        "passkey_events": overview.passkey_history(request.user)[:HISTORY_ROWS],
        "require_mfa": request.organization.require_mfa,
    }
    return render(request, "accounts/security.html", context)


@org_view("account.manage")
def sessions(request, slug: str):
    current_key = request.session.session_key
    page = Paginator(live_sessions(request.user, current_key), SESSIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "section": "sessions",
        "page": page,
        "sessions": [session_row(tracked, current_key) for tracked in page.object_list],
        "timeouts": overview.timeout_summary(request.user, request.organization),
    }
    return render(request, "accounts/sessions.html", context)


@org_view("account.manage", methods=("POST",))
@recent_authentication_required
def session_revoke(request, slug: str, session_id: int):
    flows.revoke_session(request, session_id)
    if not request.user.is_authenticated or request.session.is_empty():
        return redirect("account_login")  # they revoked this very session
    messages.success(request, "That device is signed out; its next request lands on the sign-in page.")
    return redirect("settings_sessions", slug=slug)


@org_view("account.manage", methods=("POST",))
@recent_authentication_required
def session_revoke_others(request, slug: str):
    count = flows.revoke_other_sessions(request)
    messages.success(request, f"Signed out {count} other session{'s' if count != 1 else ''}.")
    return redirect("settings_sessions", slug=slug)
