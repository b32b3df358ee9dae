"""The user: email is the login; a display name and an avatar; the organization used last."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


def avatar_path(instance: User, filename: str) -> str:
    # Server-chosen name: nothing of the uploaded file name reaches the file system.
    return f"avatars/{instance.pk}/{secrets.token_hex(16)}.png"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields) -> User:
        if not email:
            raise ValueError("Users need an email address")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, email: str) -> User:
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("email address", max_length=254, unique=True)
    name = models.CharField("display name", max_length=150, blank=True)
    avatar = models.ImageField(upload_to=avatar_path, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    last_organization = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Bumped when an organization policy, a membership or an MFA factor of the user changes:
    # sessions keep their policy facts until it moves (accounts/activity.py).
    session_policy_version = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email

    @property
    def display_name(self) -> str:
        return self.name or self.email.split("@", 1)[0]

    @property
    def initials(self) -> str:
        words = self.display_name.replace(".", " ").split()
        return "".join(word[0] for word in words[:2]).upper() or "?"

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name


# One limit for a passkey's name wherever it is set (add, rename; web and app) or logged.
PASSKEY_NAME_MAX_LENGTH = 100


class SecurityEventBase(models.Model):
    """What the user's own security pages list: when, from where, on which device."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    location = models.CharField(max_length=120, blank=True)
    device = models.CharField(max_length=120, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]


class LoginEvent(SecurityEventBase):
    """One sign-in attempt of a known account (login history)."""

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Signed in"
        FAILURE = "failure", "Wrong password"
        MFA_FAILURE = "mfa_failure", "Wrong code"
        CODE_REUSED = "code_reused", "Code already used"
        PASSKEY_FAILURE = "passkey_failure", "Passkey not accepted"
        PASSKEY_UNKNOWN = "passkey_unknown", "Passkey removed or unknown"

    class Method(models.TextChoices):
        PASSWORD = "password", "Password"
        PASSKEY = "passkey", "Passkey"
        TOTP = "totp", "Authenticator app"
        RECOVERY_CODE = "recovery_code", "Recovery code"

    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    method = models.CharField(max_length=16, choices=Method.choices)

    class Meta(SecurityEventBase.Meta):
        indexes = [models.Index(fields=["user", "-created_at"], name="loginevent_user_time")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.outcome} ({self.method})"


class PasskeyEvent(SecurityEventBase):
    """One thing that happened to one of the user's passkeys (passkey audit log)."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", "Registered"
        RENAMED = "renamed", "Renamed"
        REMOVED = "removed", "Removed"
        USED = "used", "Used to sign in"
        FAILED = "failed", "Failed sign-in"

    event = models.CharField(max_length=16, choices=Kind.choices)
    passkey_name = models.CharField(max_length=PASSKEY_NAME_MAX_LENGTH, blank=True)
    # Kept as a plain number: the passkey may be deleted, its history stays.
    authenticator_id = models.BigIntegerField(null=True, blank=True)

    class Meta(SecurityEventBase.Meta):
        indexes = [models.Index(fields=["user", "-created_at"], name="passkeyevent_user_time")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.event} {self.passkey_name}"
