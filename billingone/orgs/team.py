"""Team flows: invitations (send, resend, revoke, accept), role changes and removal.

Every function checks the actor's capability and `can_manage` itself, so the web views, the
API and the bulk import share one set of rules (PRODUCT.md): nobody grants or manages a role
above their own, only Owners touch Owners, the last Owner stays, nobody changes their own role.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from billingone.audit.log import record
from billingone.orgs import limits, roles
from billingone.orgs.emails import send_branded_email
from billingone.orgs.errors import Conflict, FlowError, NotAllowed
from billingone.orgs.flows import require
from billingone.orgs.models import Invitation, Membership, Organization
from billingone.orgs.roles import Role

INVITATION_DAYS = 7


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A 256-bit URL-safe token and its hash; only the hash is ever stored."""
    raw = secrets.token_urlsafe(32)
    return raw, hash_token(raw)


def normalize_email(value: str) -> str:
    email = (value or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise FlowError("Enter a valid email address.", field="email") from None
    return email


def parse_role(value: str) -> Role:
    try:
        return Role((value or "").strip().lower())
    except ValueError:
        choices = ", ".join(role.label for role in roles.ROLES_BY_POWER)
        raise FlowError(f"Unknown role “{value}”; choose one of {choices}.", field="role") from None


def check_can_grant(membership: Membership, role: Role) -> None:
    if not roles.can_manage(membership.role, role):
        raise NotAllowed(f"As {membership.role_enum.label} you cannot grant the {role.label} role.")


# ---- invitations ---------------------------------------------------------------------------


def lock_organization(organization: Organization) -> None:
    """Serialize invitations per organization (duplicate check and budget count, then insert)."""
    Organization.objects.select_for_update().filter(pk=organization.pk).first()


def invitation_problem(organization: Organization, email: str) -> str | None:
    """Why `email` cannot be invited to `organization` now, or None."""
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        return "already a member"
    if Invitation.objects.pending().filter(organization=organization, email__iexact=email).exists():
        return "already invited"
    return None


def new_invitation(membership: Membership, *, email: str, role: Role, name: str = "") -> Invitation:
    """An unsaved pending membership (no email yet; see send_invitation)."""
    return Invitation(
        organization=membership.organization,
        email=email,
        name=" ".join(name.split())[:150],
        role=role.value,
        token_hash=new_token()[1],  # replaced when the email is sent; this one was never shown
        invited_by=membership.user,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )


def record_invitation(membership: Membership, invitation: Invitation, *, source: str, request=None) -> None:
    record(
        "member.invite",
        organization=membership.organization,
        request=request,
        actor=membership.user,
        target=invitation,
        changes={
            "email": {"before": None, "after": invitation.email},
            "role": {"before": None, "after": invitation.role},
        },
        data={"source": source},
    )


def create_invitation(
    membership: Membership, *, email: str, role: Role, name: str = "", source: str, request=None
) -> Invitation:
    """The pending membership, saved, and its audit event."""
    invitation = new_invitation(membership, email=email, role=role, name=name)
    invitation.save()
    record_invitation(membership, invitation, source=source, request=request)
    return invitation


@transaction.atomic
def invite(
    membership: Membership, *, email: str, role: str, name: str = "", source: str = "web", request=None
) -> Invitation:
    """Invite one person by email with a role, and email them the accept link."""
    require(membership, "members.manage")
    email, wanted = normalize_email(email), parse_role(role)
    check_can_grant(membership, wanted)
    lock_organization(membership.organization)
    problem = invitation_problem(membership.organization, email)
    if problem:
        raise Conflict(f"{email} is {problem}.", field="email")
    limits.spend(limits.INVITES, membership.organization)
    invitation = create_invitation(membership, email=email, role=wanted, name=name, source=source, request=request)
    send_invitation(invitation, inviter=membership.user)
    return invitation


def accept_url(raw_token: str) -> str:
    return settings.SITE_URL + reverse("invitation_accept", kwargs={"token": raw_token})


def send_invitation(invitation: Invitation, *, inviter=None) -> None:
    """Issue a fresh token (the previous link stops working) and email the accept link."""
    raw, digest = new_token()
    invitation.token_hash, invitation.sent_at = digest, timezone.now()
    invitation.save(update_fields=["token_hash", "sent_at"])
    inviter = inviter or invitation.invited_by
    role = invitation.role_enum
    send_branded_email(
        invitation.organization,
        to=[invitation.email],
        subject=f"Join {invitation.organization.name} on BillingOne",
        template="email/invitation",
        context={
            "invitation": invitation,
            "inviter_name": inviter.display_name if inviter else invitation.organization.name,
            "role_label": role.label,
            "role_description": roles.ROLE_DESCRIPTIONS[role],
            "accept_url": accept_url(raw),
            "expires_at": invitation.expires_at,
        },
    )


def _managed_invitation(membership: Membership, invitation: Invitation) -> None:
    require(membership, "members.manage")
    if invitation.organization_id != membership.organization_id:
        raise NotAllowed("This invitation belongs to another organization.")
    check_can_grant(membership, invitation.role_enum)
    if invitation.accepted_at or invitation.revoked_at:
        raise Conflict(f"This invitation was already {invitation.status}.")


@transaction.atomic
def resend_invitation(membership: Membership, invitation: Invitation, *, request=None) -> Invitation:
    """A new link by email, valid for another 7 days; the old link stops working."""
    _managed_invitation(membership, invitation)
    limits.spend(limits.INVITES, membership.organization)
    before = invitation.expires_at.isoformat()
    invitation.expires_at = timezone.now() + timedelta(days=INVITATION_DAYS)
    invitation.save(update_fields=["expires_at"])
    send_invitation(invitation, inviter=membership.user)
    record(
        "member.invite_resend",
        organization=invitation.organization,
        request=request,
        actor=membership.user,
        target=invitation,
        changes={"expires_at": {"before": before, "after": invitation.expires_at.isoformat()}},
        data={"email": invitation.email},
    )
    return invitation


@transaction.atomic
def revoke_invitation(membership: Membership, invitation: Invitation, *, request=None) -> Invitation:
    _managed_invitation(membership, invitation)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    record(
        "member.invite_revoke",
        organization=invitation.organization,
        request=request,
        actor=membership.user,
        target=invitation,
        changes={"status": {"before": "pending", "after": "revoked"}},
    )
    return invitation


def find_invitation(raw_token: str) -> Invitation | None:
    if not raw_token or len(raw_token) > 128:
        return None
    return Invitation.objects.select_related("organization").filter(token_hash=hash_token(raw_token)).first()


UNUSABLE = {
    "accepted": "This invitation has already been used.",
    "revoked": "This invitation was withdrawn by the organization.",
    "expired": "This invitation has expired. Ask the organization to send a new one.",
}


@transaction.atomic
def accept_invitation(invitation: Invitation, user, *, request: HttpRequest | None = None) -> Membership:
    """Join `user` to the invitation's organization with its role; single use."""
    invitation = Invitation.objects.select_for_update().select_related("organization").get(pk=invitation.pk)
    if invitation.status != "pending":
        raise Conflict(UNUSABLE[invitation.status])
    organization = invitation.organization
    membership = Membership.objects.filter(organization=organization, user=user).first()
    if membership is None:
        membership = Membership.objects.create(organization=organization, user=user, role=invitation.role)
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    user.last_organization = organization
    user.save(update_fields=["last_organization"])
    record(
        "member.invite_accept",
        organization=organization,
        request=request,
        actor=user,
        target=invitation,
        changes={"member": {"before": None, "after": user.email}, "role": {"before": None, "after": membership.role}},
    )
    return membership


# ---- members -------------------------------------------------------------------------------


def _check_target(membership: Membership, target: Membership) -> None:
    require(membership, "members.manage")
    if target.organization_id != membership.organization_id:
        raise NotAllowed("This member belongs to another organization.")
    if target.user_id == membership.user_id:
        raise NotAllowed("You cannot change or remove your own membership; ask another Owner or Admin.")
    if not roles.can_manage(membership.role, target.role):
        raise NotAllowed(f"As {membership.role_enum.label} you cannot manage a member who is {target.role_enum.label}.")


def _is_last_owner(target: Membership) -> bool:
    owners = list(
        Membership.objects.select_for_update().filter(organization_id=target.organization_id, role=Role.OWNER)
    )
    return target.role == Role.OWNER and len(owners) <= 1


@transaction.atomic
def change_role(membership: Membership, target: Membership, role: str, *, request=None) -> Membership:
    target = Membership.objects.select_for_update().select_related("user", "organization").get(pk=target.pk)
    _check_target(membership, target)
    wanted = parse_role(role)
    check_can_grant(membership, wanted)
    if wanted == target.role:
        return target
    if wanted != Role.OWNER and _is_last_owner(target):
        raise Conflict("This is the organization's last Owner; make someone else Owner first.", field="role")
    before = target.role
    target.role = wanted.value
    target.save(update_fields=["role"])
    record(
        "member.role_change",
        organization=target.organization,
        request=request,
        actor=membership.user,
        target=target.user,
        changes={"role": {"before": before, "after": wanted.value}},
    )
    return target


@transaction.atomic
def remove_member(membership: Membership, target: Membership, *, request=None) -> None:
    """Remove someone; the gate re-reads membership, so they lose access at their next request."""
    target = Membership.objects.select_for_update().select_related("user", "organization").get(pk=target.pk)
    _check_target(membership, target)
    if _is_last_owner(target):
        raise Conflict("This is the organization's last Owner and cannot be removed.")
    user, organization, role = target.user, target.organization, target.role
    target.delete()
    if user.last_organization_id == organization.pk:
        user.last_organization = None
        user.save(update_fields=["last_organization"])
    record(
        "member.remove",
        organization=organization,
        request=request,
        actor=membership.user,
        target=user,
        changes={"role": {"before": role, "after": None}},
    )


# ---- an invitation carried through sign-up -------------------------------------------------

SESSION_KEY = "orgs.invitation"


def remember_invitation(request: HttpRequest, invitation: Invitation) -> None:
    """Keep the invitation (its hash, never the raw token) for the sign-up that follows."""
    request.session[SESSION_KEY] = invitation.token_hash


def pending_invitation(request: HttpRequest | None) -> Invitation | None:
    session = getattr(request, "session", None)
    digest = session.get(SESSION_KEY) if session is not None else None
    if not digest:
        return None
    invitation = Invitation.objects.select_related("organization").filter(token_hash=digest).first()
    return invitation if invitation and invitation.status == "pending" else None


def accept_pending_invitation(request: HttpRequest | None, user) -> Membership | None:
    """Called by sign-up: join the inviting organization instead of creating a new one."""
    invitation = pending_invitation(request)
    if invitation is None:
        return None
    request.session.pop(SESSION_KEY, None)
    try:
        return accept_invitation(invitation, user, request=request)
    except Conflict:
        return None
