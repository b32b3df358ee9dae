"""allauth and Django auth signals → login history, passkey audit log and the audit trail."""

from __future__ import annotations

import json

from allauth.account import signals as account_signals
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_init, post_save, pre_save
from django.http.request import RawPostDataException

from billingone.accounts import ended_sessions, history, mfa_secrets, signouts
from billingone.accounts.models import LoginEvent, PasskeyEvent
from billingone.audit.log import record
from billingone.orgs.models import Organization

T = Authenticator.Type
ADDED = {T.TOTP: "mfa.totp_add", T.WEBAUTHN: "passkey.add", T.RECOVERY_CODES: "mfa.recovery_codes_generate"}
REMOVED = {T.TOTP: "mfa.totp_remove", T.WEBAUTHN: "passkey.remove", T.RECOVERY_CODES: "mfa.recovery_codes_remove"}
MFA_METHOD = {T.TOTP: LoginEvent.Method.TOTP, T.RECOVERY_CODES: LoginEvent.Method.RECOVERY_CODE}


def _passkey_label(authenticator) -> str:
    return (authenticator.data or {}).get("name", "") or "passkey"


def record_security_change(action: str, *, request, user, **fields) -> None:
    """A member's own security change: in their personal trail and in every organization they belong
    to, so each organization's admins see it in its Audit Logs."""
    record(action, request=request, actor=user, target=user, **fields)
    for organization in Organization.objects.filter(memberships__user_id=user.pk):
        record(action, organization=organization, request=request, actor=user, target=user, **fields)


def on_logged_in(sender, request, user, **kwargs) -> None:
    method = history.login_method(get_authentication_records(request, user))
    history.login_event(request, user, outcome=LoginEvent.Outcome.SUCCESS, method=method)
    record("user.login", request=request, actor=user, target=user, data={"method": method})


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    email = credentials.get("email") or credentials.get("username") or ""
    user = get_user_model().objects.filter(email__iexact=email).first() if email else None
    if user is None:
        return  # unknown accounts have no history to show (and no enumeration signal)
    history.login_event(request, user, outcome=LoginEvent.Outcome.FAILURE, method=LoginEvent.Method.PASSWORD)
    record("user.login_failed", request=request, actor=user, target=user, data={"method": "password"})


def on_mfa_failed(sender, request, user, authenticator, reauthentication=False, **kwargs) -> None:
    method, outcome = _failed_code(request, user, authenticator)
    if not reauthentication:
        history.login_event(request, user, outcome=outcome, method=method)
    record("user.mfa_failed", request=request, actor=user, target=user, data={"method": method})


def _failed_code(request, user, authenticator) -> tuple[str, str]:
    """Which kind of code was refused. allauth names the authenticator app whenever one exists,
    whatever was typed; a recovery code is told apart by its length, a reused one by its value."""
    method = MFA_METHOD.get(authenticator.type, LoginEvent.Method.TOTP)
    code = _submitted_code(request)
    recovery = Authenticator.objects.filter(user=user, type=T.RECOVERY_CODES).first()
    if recovery is None or len(code) != mfa_settings.RECOVERY_CODE_DIGITS:
        return method, LoginEvent.Outcome.MFA_FAILURE
    if code in RecoveryCodes(recovery).generate_codes():  # one of theirs, so refused as already used
        return LoginEvent.Method.RECOVERY_CODE, LoginEvent.Outcome.CODE_REUSED
    return LoginEvent.Method.RECOVERY_CODE, LoginEvent.Outcome.MFA_FAILURE


def _submitted_code(request) -> str:
    """The code of the web form or of the app's JSON body (headless)."""
    if request is None:
        return ""
    code = request.POST.get("code", "")
    if not code and request.content_type == "application/json":
        try:
            code = json.loads(request.body or b"{}").get("code", "")
        except (ValueError, AttributeError, RawPostDataException):
            code = ""
    return str(code).strip().replace(" ", "")


def on_authenticator_used(sender, request, user, authenticator, **kwargs) -> None:
    if authenticator.type == T.WEBAUTHN:
        history.passkey_event(request, user, authenticator, event=PasskeyEvent.Kind.USED)


def on_authenticator_added(sender, request, user, authenticator, **kwargs) -> None:
    if authenticator.type == T.WEBAUTHN:
        history.passkey_event(request, user, authenticator, event=PasskeyEvent.Kind.REGISTERED)
    label = _passkey_label(authenticator) if authenticator.type == T.WEBAUTHN else ""
    record_security_change(ADDED[authenticator.type], request=request, user=user, data={"name": label} if label else {})


def on_authenticator_removed(sender, request, user, authenticator, **kwargs) -> None:
    if authenticator.type == T.WEBAUTHN:
        history.passkey_event(request, user, authenticator, event=PasskeyEvent.Kind.REMOVED)
    label = _passkey_label(authenticator) if authenticator.type == T.WEBAUTHN else ""
    record_security_change(
        REMOVED[authenticator.type], request=request, user=user, data={"name": label} if label else {}
    )


def on_authenticator_reset(sender, request, user, authenticator, **kwargs) -> None:
    record_security_change("mfa.recovery_codes_generate", request=request, user=user)


def on_authenticator_saved(sender, instance: Authenticator, **kwargs) -> None:
    """Renames have no allauth signal: compare the stored name with the new one."""
    if instance.type != T.WEBAUTHN or instance.pk is None:
        return
    before = Authenticator.objects.filter(pk=instance.pk).values_list("data", flat=True).first() or {}
    old, new = before.get("name", ""), (instance.data or {}).get("name", "")
    if old == new:
        return
    request = getattr(context, "request", None)
    history.passkey_event(request, instance.user, instance, event=PasskeyEvent.Kind.RENAMED, name=new)
    record_security_change(
        "passkey.rename", request=request, user=instance.user, changes={"name": {"before": old, "after": new}}
    )
    from allauth.account.adapter import get_adapter

    get_adapter().send_notification_mail("mfa/email/webauthn_renamed", instance.user, {"old": old, "new": new})


def on_password_changed(sender, request=None, user=None, **kwargs) -> None:
    """Django's session hash has just signed out every other session and app token: say so,
    here and on those devices' next visit."""
    _simple("user.password_change", security=True)(sender, request=request, user=user)
    current = getattr(getattr(request, "session", None), "session_key", None)
    others = UserSession.objects.filter(user=user).exclude(session_key=current).values_list("session_key", flat=True)
    signouts.remember(others, "password_changed")
    if request is not None and hasattr(request, "_messages"):
        messages.info(request, "Your other browsers and app sessions were signed out.")


def _simple(action: str, *, security: bool = False):
    def receiver(sender, request=None, user=None, **kwargs) -> None:
        user = user or getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return
        if security:
            record_security_change(action, request=request, user=user)
        else:
            record(action, request=request, actor=user, target=user)

    receiver.__name__ = f"audit_{action.replace('.', '_')}"
    return receiver


RECEIVERS = [
    (account_signals.user_logged_in, on_logged_in),
    (user_login_failed, on_login_failed),
    (mfa_signals.authentication_failed, on_mfa_failed),
    (mfa_signals.authenticator_used, on_authenticator_used),
    (mfa_signals.authenticator_added, on_authenticator_added),
    (mfa_signals.authenticator_removed, on_authenticator_removed),
    (mfa_signals.authenticator_reset, on_authenticator_reset),
    (account_signals.password_changed, on_password_changed),
    (account_signals.password_set, _simple("user.password_change", security=True)),
    (account_signals.password_reset, _simple("user.password_reset", security=True)),
    (account_signals.email_changed, _simple("user.email_change", security=True)),
    (user_logged_out, _simple("user.logout")),
]


def connect() -> None:
    for signal, receiver in RECEIVERS:
        signal.connect(receiver, dispatch_uid=f"billingone.accounts.{receiver.__name__}")
    pre_save.connect(on_authenticator_saved, sender=Authenticator, dispatch_uid="billingone.accounts.passkey_rename")
    post_init.connect(mfa_secrets.on_init, sender=Authenticator, dispatch_uid="billingone.accounts.mfa_init")
    pre_save.connect(mfa_secrets.on_pre_save, sender=Authenticator, dispatch_uid="billingone.accounts.mfa_pre_save")
    post_save.connect(mfa_secrets.on_post_save, sender=Authenticator, dispatch_uid="billingone.accounts.mfa_post_save")
    post_delete.connect(
        ended_sessions.on_user_session_deleted, sender=UserSession, dispatch_uid="billingone.accounts.session_ended"
    )
