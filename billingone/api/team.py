"""/api/v1/orgs/{slug}/members, /invitations and /permissions: the Team section for the app."""

# No `from __future__ import annotations` here: django-ninja reads the payload types through
# the tenancy wrapper, whose module cannot resolve string annotations of this one.

from contextlib import contextmanager
from datetime import datetime

from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Router, Schema, Status
from pydantic import Field
from pydantic import ValidationError as PydanticValidationError

from billingone.api.errors import ApiError, validation_fields, web_only
from billingone.api.pagination import paginate
from billingone.orgs import roles
from billingone.orgs.errors import FlowError
from billingone.orgs.members import member_row, member_rows, team_members
from billingone.orgs.models import Invitation, Membership
from billingone.orgs.team import change_role, invite, remove_member, resend_invitation, revoke_invitation
from billingone.orgs.tenancy import org_endpoint

router = Router(tags=["team"])


class MemberOut(Schema):
    id: str
    name: str
    email: str
    role: str
    mfa_enabled: bool
    joined_at: datetime
    last_active_at: datetime | None


class MemberPage(Schema):
    items: list[MemberOut]
    count: int
    next: str | None


class RoleIn(Schema):
    role: str = Field(max_length=16)


class InvitationOut(Schema):
    id: str
    email: str
    name: str
    role: str
    status: str
    invited_by: str | None
    created_at: datetime
    expires_at: datetime


class InvitationPage(Schema):
    items: list[InvitationOut]
    count: int
    next: str | None


class InvitationIn(Schema):
    email: str = Field(max_length=254)
    role: str = Field(max_length=16)
    name: str = Field(default="", max_length=150)


def api_error(error: FlowError) -> ApiError:
    fields = {error.field: [error.message]} if error.field else None
    headers = {"Retry-After": str(error.retry_after)} if error.retry_after else None
    return ApiError(error.status, error.code, error.message, fields=fields, headers=headers)


@contextmanager
def flow_errors_as_api_errors():
    """A refused team flow (last Owner, role above yours, limit…) answers in the API's error shape."""
    try:
        yield
    except FlowError as error:
        raise api_error(error) from None


def read_body(request, schema: type[Schema]) -> Schema:
    """The JSON body, validated after the tenancy gate (so outsiders get 404, not a 422)."""
    try:
        return schema.model_validate_json(request.body or b"{}")
    except PydanticValidationError as exc:
        raise ApiError(422, "invalid", "Some fields are invalid.", fields=validation_fields(exc.errors())) from None


def body_doc(schema: type[Schema]) -> dict:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema.model_json_schema()}}}}


def _id(value: str) -> int:
    if not value.isdigit() or len(value) > 18:
        raise ApiError(404, "not_found", "Not found.")
    return int(value)


def member_payload(row) -> dict:
    m = row.membership
    return {
        "id": str(m.pk),
        "name": m.user.display_name,
        "email": m.user.email,
        "role": m.role,
        "mfa_enabled": row.mfa_enabled,
        "joined_at": m.created_at,
        "last_active_at": row.last_active,
    }


def invitation_payload(invitation: Invitation) -> dict:
    return {
        "id": str(invitation.pk),
        "email": invitation.email,
        "name": invitation.name,
        "role": invitation.role,
        "status": invitation.status,
        "invited_by": invitation.invited_by.email if invitation.invited_by else None,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
    }


@router.get("/orgs/{slug}/members", response=MemberPage, summary="Members of the organization")
@org_endpoint("org.view")
def list_members(request, slug: str, cursor: str | None = None, limit: int | None = None):
    members = team_members(request.organization)
    return paginate(members, cursor=cursor, limit=limit, serialize=member_payload, load=member_rows)


@router.post("/orgs/{slug}/members/import", summary="Bulk import is web-only")
@org_endpoint("org.view")
def import_members(request, slug: str):
    raise web_only(request, reverse("team_import", kwargs={"slug": slug}), "Bulk team import")


def _member(request, member_id: str) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user"), pk=_id(member_id), organization=request.organization
    )


@router.patch(
    "/orgs/{slug}/members/{member_id}",
    response=MemberOut,
    summary="Change a member's role",
    openapi_extra=body_doc(RoleIn),
)
@org_endpoint("members.manage")
def patch_member(request, slug: str, member_id: str):
    target = _member(request, member_id)
    payload = read_body(request, RoleIn)
    with flow_errors_as_api_errors():
        change_role(request.membership, target, payload.role, request=request)
    return member_payload(member_row(target))


@router.delete("/orgs/{slug}/members/{member_id}", response={204: None}, summary="Remove a member")
@org_endpoint("members.manage")
def delete_member(request, slug: str, member_id: str):
    target = _member(request, member_id)
    with flow_errors_as_api_errors():
        remove_member(request.membership, target, request=request)
    return Status(204, None)


@router.get("/orgs/{slug}/invitations", response=InvitationPage, summary="Pending invitations")
@org_endpoint("members.manage")
def list_invitations(request, slug: str, cursor: str | None = None, limit: int | None = None):
    pending = Invitation.objects.pending().filter(organization=request.organization).select_related("invited_by")
    return paginate(pending, cursor=cursor, limit=limit, serialize=invitation_payload)


@router.post(
    "/orgs/{slug}/invitations",
    response={201: InvitationOut},
    summary="Invite someone by email",
    openapi_extra=body_doc(InvitationIn),
)
@org_endpoint("members.manage")
def create_invitation(request, slug: str):
    payload = read_body(request, InvitationIn)
    with flow_errors_as_api_errors():
        invitation = invite(
            request.membership, email=payload.email, role=payload.role, name=payload.name, source="api", request=request
        )
    return Status(201, invitation_payload(invitation))


def _invitation(request, invitation_id: str) -> Invitation:
    return get_object_or_404(Invitation, pk=_id(invitation_id), organization=request.organization)


@router.post("/orgs/{slug}/invitations/{invitation_id}/resend", response=InvitationOut, summary="Send a new link")
@org_endpoint("members.manage")
def resend(request, slug: str, invitation_id: str):
    invitation = _invitation(request, invitation_id)
    with flow_errors_as_api_errors():
        resend_invitation(request.membership, invitation, request=request)
    return invitation_payload(invitation)


@router.delete("/orgs/{slug}/invitations/{invitation_id}", response={204: None}, summary="Revoke an invitation")
@org_endpoint("members.manage")
def revoke(request, slug: str, invitation_id: str):
    invitation = _invitation(request, invitation_id)
    with flow_errors_as_api_errors():
        revoke_invitation(request.membership, invitation, request=request)
    return Status(204, None)


@router.get("/orgs/{slug}/permissions", summary="The role × permission matrix, as data")
@org_endpoint("org.view")
def permissions(request, slug: str):
    role = request.membership.role
    return {
        "roles": [
            {"role": r.value, "label": r.label, "rank": r.rank, "description": roles.ROLE_DESCRIPTIONS[r]}
            for r in roles.ROLES_BY_POWER
        ],
        "capabilities": roles.matrix(),
        "your_role": role,
        "your_capabilities": roles.capabilities_of(role),
        "assignable_roles": [r.value for r in roles.assignable_roles(role)],
        "rules": [
            "Nobody grants or manages a role above their own.",
            "Only Owners grant, change or remove the Owner role.",
            "The last Owner can be neither demoted nor removed.",
            "Nobody changes their own role.",
        ],
    }
