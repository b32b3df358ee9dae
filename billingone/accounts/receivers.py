"""Session bookkeeping: track a session at sign-in (accounts/sessions.py), and keep sessions'
cached policy facts honest (accounts/activity.py) by bumping the user's session_policy_version
whenever what those facts come from changes."""

from __future__ import annotations

from allauth.account.signals import user_logged_in
from allauth.mfa.models import Authenticator
from allauth.usersessions import signals as usersessions_signals
from django.db.models import F
from django.db.models.signals import post_delete, post_save

from billingone.orgs.models import Membership, Organization

POLICY_FIELDS = {"require_mfa", "session_timeout_minutes"}


def bump(**lookup) -> None:
    from billingone.accounts.models import User

    User.objects.filter(**lookup).update(session_policy_version=F("session_policy_version") + 1)


def on_organization_saved(sender, instance: Organization, created: bool, update_fields=None, **kwargs) -> None:
    if created or (update_fields is not None and not POLICY_FIELDS & set(update_fields)):
        return
    bump(memberships__organization_id=instance.pk)


def on_membership_changed(sender, instance: Membership, created: bool = True, **kwargs) -> None:
    if created:  # a new membership, or (post_delete) a removed one; role changes change no policy
        bump(pk=instance.user_id)


def on_authenticator_changed(sender, instance: Authenticator, created: bool = True, **kwargs) -> None:
    if created:  # added or removed; a factor's use only updates last_used_at
        bump(pk=instance.user_id)


def on_user_logged_in(sender, request, **kwargs) -> None:
    from billingone.accounts.sessions import record_sign_in

    record_sign_in(request)


def connect() -> None:
    # allauth's own receiver checks every earlier session one by one (three queries each).
    user_logged_in.disconnect(receiver=usersessions_signals.on_user_logged_in)
    user_logged_in.connect(on_user_logged_in, dispatch_uid="billingone.accounts.track_session")
    uid = "billingone.accounts.session_policy."
    post_save.connect(on_organization_saved, sender=Organization, dispatch_uid=uid + "organization")
    post_save.connect(on_membership_changed, sender=Membership, dispatch_uid=uid + "membership_saved")
    post_delete.connect(on_membership_changed, sender=Membership, dispatch_uid=uid + "membership_deleted")
    post_save.connect(on_authenticator_changed, sender=Authenticator, dispatch_uid=uid + "authenticator_saved")
    post_delete.connect(on_authenticator_changed, sender=Authenticator, dispatch_uid=uid + "authenticator_deleted")
