"""Signal receivers: integration sync failures, sign-ins from new devices, factor changes.

A receiver never breaks the flow that sent the signal: a failure to notify is logged.
"""

from __future__ import annotations

import hashlib
import logging

from allauth.account.signals import user_logged_in
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.dispatch import receiver
from django.utils import timezone

from billingone.integrations.signals import sync_run_failed
from billingone.lib.net import client_ip
from billingone.notifications.models import KnownDevice
from billingone.notifications.notify import notify

logger = logging.getLogger(__name__)


def provider_name(key: str) -> str:
    from billingone.integrations.registry import PROVIDERS

    provider = PROVIDERS.get(key)
    return provider.name if provider else key.replace("_", " ").title()


FACTORS = {
    "totp": ("Authenticator app", "An authenticator app (TOTP)"),
    "webauthn": ("Passkey", "A passkey"),
    "recovery_codes": ("Recovery codes", "A set of recovery codes"),
}


@receiver(sync_run_failed, dispatch_uid="notifications.sync_run_failed")
def on_sync_run_failed(sender, run, organization, provider: str, permanent: bool = False, message: str = "", **kw):
    try:
        notify(
            "integration.sync_failed",
            organization,
            {
                "provider": provider,
                "provider_name": provider_name(provider),
                "message": (message or "The sync did not finish.")[:300],
                "permanent": bool(permanent),
                "run_id": str(run.pk),
            },
            dedupe_key=f"integration.sync_failed:{organization.pk}:{provider}:{run.pk}",
        )
    except Exception:
        logger.exception("could not notify a sync failure", extra={"provider": provider})


def device_of(user_agent: str) -> tuple[str, str]:
    """(fingerprint, label): browser family + OS + device from the user agent; versions are
    left out so a browser update is not a "new device"."""
    from ua_parser import parse

    parsed = parse(user_agent or "")
    browser = parsed.user_agent.family if parsed.user_agent else "Unknown client"
    system = parsed.os.family if parsed.os else "Unknown OS"
    hardware = parsed.device.family if parsed.device else ""
    label = f"{browser} on {system}" if user_agent else "an unknown device"
    digest = hashlib.sha256(f"{browser}|{system}|{hardware}".encode()).hexdigest()
    return digest, label


def remember_sign_in(request, user) -> bool:
    """Record the device; notify when it is new (not for an account's very first sign-in)."""
    fingerprint, label = device_of(request.headers.get("User-Agent", "") if request else "")
    first_ever = not KnownDevice.objects.filter(user=user).exists()
    device, created = KnownDevice.objects.get_or_create(user=user, fingerprint=fingerprint, defaults={"label": label})
    if not created:
        KnownDevice.objects.filter(pk=device.pk).update(last_seen_at=timezone.now())
        return False
    if first_ever:
        return False
    notify(
        "security.new_device",
        None,
        {
            "device": label,
            "ip": client_ip(request) if request else "",
            "at": timezone.now().strftime("%Y-%m-%d %H:%M"),
        },
        users=[user],
        dedupe_key=f"security.new_device:{user.pk}:{fingerprint}",
    )
    return True


@receiver(user_logged_in, dispatch_uid="notifications.user_logged_in")
def on_user_logged_in(sender, request, user, **kwargs):
    try:
        remember_sign_in(request, user)
    except Exception:
        logger.exception("could not check the sign-in device")


def notify_factor_change(user, authenticator, change: str) -> None:
    factor, phrase = FACTORS.get(authenticator.type, ("Sign-in factor", "A sign-in factor"))
    name = ""
    if authenticator.type == "webauthn":
        name = str((authenticator.data or {}).get("name", ""))[:60]
    what = f"{phrase}{f' “{name}”' if name else ''} was {change}"
    notify(
        "security.factor_changed",
        None,
        {"factor": factor, "change": change, "what": what},
        users=[user],
        dedupe_key=f"security.factor_changed:{user.pk}:{authenticator.pk or timezone.now().timestamp()}:{change}",
    )


@receiver(authenticator_added, dispatch_uid="notifications.authenticator_added")
def on_authenticator_added(sender, request, user, authenticator, **kwargs):
    try:
        notify_factor_change(user, authenticator, "added")
    except Exception:
        logger.exception("could not notify a factor change")


@receiver(authenticator_removed, dispatch_uid="notifications.authenticator_removed")
def on_authenticator_removed(sender, request, user, authenticator, **kwargs):
    try:
        notify_factor_change(user, authenticator, "removed")
    except Exception:
        logger.exception("could not notify a factor change")
