"""Team section of Settings: members, invitations, role changes, removal, permission matrix."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render

from billingone.orgs import roles
from billingone.orgs.errors import FlowError
from billingone.orgs.forms import InviteForm, RoleForm
from billingone.orgs.members import member_rows, team_members
from billingone.orgs.models import Invitation, Membership
from billingone.orgs.team import (
    change_role,
    invite,
    remove_member,
    resend_invitation,
    revoke_invitation,
)
from billingone.orgs.tenancy import org_view

MEMBERS_PAGE_SIZE = 50
SHOWN_INVITATIONS = 200  # a bulk import can leave thousands pending; the API pages through all


def _member(request, member_id: int) -> Membership:
    return get_object_or_404(Membership.objects.select_related("user"), pk=member_id, organization=request.organization)


def _invitation(request, invitation_id: int) -> Invitation:
    return get_object_or_404(Invitation, pk=invitation_id, organization=request.organization)


def team_context(request, invite_form=None) -> dict:
    membership = request.membership
    can_manage = roles.has_capability(membership.role, "members.manage")
    page = Paginator(team_members(request.organization), MEMBERS_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = member_rows(page.object_list)
    for row in rows:
        target = row.membership
        row.manageable = (
            can_manage and target.user_id != membership.user_id and roles.can_manage(membership.role, target.role)
        )
    pending, pending_count = [], 0
    if can_manage:
        queryset = Invitation.objects.pending().filter(organization=request.organization)
        pending_count = queryset.count()
        pending = list(queryset.select_related("invited_by")[:SHOWN_INVITATIONS])
        for invitation in pending:
            invitation.manageable = roles.can_manage(membership.role, invitation.role)
    return {
        "section": "team",
        "rows": rows,
        "page": page,
        "invitations": pending,
        "pending_count": pending_count,
        "can_manage": can_manage,
        "invite_form": invite_form or (InviteForm(actor_role=membership.role) if can_manage else None),
        "assignable": [(r.value, r.label) for r in roles.assignable_roles(membership.role)],
        "matrix_roles": roles.ROLES_BY_POWER,
        "matrix": [(cap, [role in cap.roles for role in roles.ROLES_BY_POWER]) for cap in roles.CAPABILITIES],
        "role_descriptions": [(role, roles.ROLE_DESCRIPTIONS[role]) for role in roles.ROLES_BY_POWER],
    }


@org_view("org.view")
def team(request, slug: str):
    return render(request, "orgs/settings_team.html", team_context(request))


@org_view("members.manage", methods=("POST",))
def team_invite(request, slug: str):
    form = InviteForm(request.POST, actor_role=request.membership.role)
    if form.is_valid():
        data = form.cleaned_data
        try:
            invitation = invite(
                request.membership, email=data["email"], role=data["role"], name=data["name"], request=request
            )
        except FlowError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("settings_team", slug=slug)
    return render(request, "orgs/settings_team.html", team_context(request, invite_form=form), status=422)


def _run(request, slug: str, action, success: str):
    try:
        action()
    except FlowError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("settings_team", slug=slug)


@org_view("members.manage", methods=("POST",))
def member_role(request, slug: str, member_id: int):
    target = _member(request, member_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a role from the list.")
        return redirect("settings_team", slug=slug)
    role = form.cleaned_data["role"]
    label = roles.Role(role).label
    return _run(
        request,
        slug,
        lambda: change_role(request.membership, target, role, request=request),
        f"{target.user.display_name} is now {label}.",
    )


@org_view("members.manage", methods=("GET", "POST"))
def member_remove(request, slug: str, member_id: int):
    """GET asks for confirmation; POST removes."""
    target = _member(request, member_id)
    if request.method == "POST":
        return _run(
            request,
            slug,
            lambda: remove_member(request.membership, target, request=request),
            f"{target.user.display_name} was removed from {request.organization.name}.",
        )
    return render(request, "orgs/member_remove.html", {"section": "team", "target": target})


@org_view("members.manage", methods=("POST",))
def invitation_resend(request, slug: str, invitation_id: int):
    invitation = _invitation(request, invitation_id)
    return _run(
        request,
        slug,
        lambda: resend_invitation(request.membership, invitation, request=request),
        f"A new invitation link was sent to {invitation.email}.",
    )


@org_view("members.manage", methods=("POST",))
def invitation_revoke(request, slug: str, invitation_id: int):
    invitation = _invitation(request, invitation_id)
    return _run(
        request,
        slug,
        lambda: revoke_invitation(request.membership, invitation, request=request),
        f"The invitation to {invitation.email} was revoked.",
    )
