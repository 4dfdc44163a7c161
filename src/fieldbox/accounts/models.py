"""Organisations, people, memberships, partnerships, invitations and API tokens."""

from __future__ import annotations

import zoneinfo
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fieldbox.accounts.choices import (
    ADMIN_ROLES,
    OPEN_PARTNERSHIP_STATUSES,
    InvitationStatus,
    OrganisationKind,
    PartnershipStatus,
    Role,
)
from fieldbox.core.tenancy import Scope, ScopedQuerySet

LANGUAGE_CHOICES = [("it", _("Italian")), ("fr", _("French")), ("en", _("English"))]

installer_code_validator = RegexValidator(
    r"^[A-Z]{2}[0-9]{3,6}$",
    _("An installer code is two capital letters followed by three to six digits, like EK004."),
)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username or "")


class User(AbstractBaseUser, PermissionsMixin):
    """A person. The e-mail address is the login."""

    email = models.EmailField(_("e-mail address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES, default="it")
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    date_joined = models.DateTimeField(_("joined on"), default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email


class Organisation(models.Model):
    """A provider or an installer company, with its own settings and deadlines."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=OrganisationKind.choices)
    installer_code = models.CharField(
        _("installer code"),
        max_length=8,
        unique=True,
        null=True,
        blank=True,
        validators=[installer_code_validator],
        help_text=_("Public code of an installer company, unique on the platform."),
    )
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Rome", validators=[validate_time_zone])
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES, default="it")
    install_deadline_days = models.PositiveSmallIntegerField(
        _("days to install after assignment"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    installer_change_days = models.PositiveSmallIntegerField(
        _("days to change the installer"),
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(60)],
    )
    job_visible_after_days = models.PositiveSmallIntegerField(
        _("days before a job shows to the installer"),
        default=2,
        validators=[MinValueValidator(0), MaxValueValidator(60)],
        help_text=_("Counted from the day the subscription arrived."),
    )
    allow_manual_completion = models.BooleanField(
        _("installers may complete a paired installation without the activation"),
        default=False,
        help_text=_("Off: an installation succeeds only when the device reports its activation."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    deleted_at = models.DateTimeField(_("deleted on"), null=True, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind=OrganisationKind.INSTALLER) | models.Q(installer_code__isnull=True),
                name="org_installer_code_only_for_installers",
            ),
        ]

    def __str__(self) -> str:
        if self.installer_code:
            return f"{self.name} ({self.installer_code})"
        return self.name

    @property
    def is_provider(self) -> bool:
        return self.kind == OrganisationKind.PROVIDER

    @property
    def is_installer(self) -> bool:
        return self.kind == OrganisationKind.INSTALLER


class MembershipQuerySet(ScopedQuerySet["Membership"]):
    def visible_to(self, scope: Scope) -> MembershipQuerySet:
        """The people of one's organisation."""
        return self.filter(organisation=scope.organisation)


class Membership(models.Model):
    """A user's place in an organisation, with one role."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(_("member since"), auto_now_add=True)
    # The person's calendar feed address is signed with this generation; "New address" moves it on (and when).
    feed_generation = models.PositiveIntegerField(_("calendar feed generation"), default=0)
    feed_renewed_at = models.DateTimeField(_("calendar feed address changed on"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.get_role_display()})"

    @property
    def is_admin(self) -> bool:
        return self.role in ADMIN_ROLES


class PartnershipQuerySet(ScopedQuerySet["Partnership"]):
    def visible_to(self, scope: Scope) -> PartnershipQuerySet:
        """A provider sees its partnerships; an installer company the partnerships with it and the invitations
        still pending that were sent to the address of one of its members (each proven by a link sent to it)."""
        org = scope.organisation
        if org.is_provider:
            return self.filter(provider=org)
        members = Membership.objects.filter(organisation=org).values("user__email")
        unclaimed = Q(installer__isnull=True, status=PartnershipStatus.PENDING, invited_email__in=members)
        return self.filter(Q(installer=org) | unclaimed)


class Partnership(models.Model):
    """A provider's relation with an installer company (INVERS "Manage Companies")."""

    provider = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="installer_partnerships", verbose_name=_("provider")
    )
    installer = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="provider_partnerships",
        null=True,
        blank=True,
        verbose_name=_("installer company"),
    )
    invited_email = models.EmailField(_("invited address"))
    status = models.CharField(
        _("status"), max_length=16, choices=PartnershipStatus.choices, default=PartnershipStatus.PENDING
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("invited on"), auto_now_add=True)
    expires_at = models.DateTimeField(_("invitation expires on"))
    responded_at = models.DateTimeField(_("answered on"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended on"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    objects = PartnershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "installer"],
                condition=models.Q(status__in=OPEN_PARTNERSHIP_STATUSES, installer__isnull=False),
                name="partnership_one_open_per_pair",
            ),
            models.UniqueConstraint(
                fields=["provider", "invited_email"],
                condition=models.Q(status=PartnershipStatus.PENDING, installer__isnull=True),
                name="partnership_one_pending_per_address",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider.name} → {self.installer.name if self.installer else self.invited_email}"

    @property
    def is_expired(self) -> bool:
        return self.status == PartnershipStatus.PENDING and self.expires_at <= timezone.now()


class InvitationQuerySet(ScopedQuerySet["Invitation"]):
    def visible_to(self, scope: Scope) -> InvitationQuerySet:
        """The invitations of one's organisation (its admins manage them)."""
        return self.filter(organisation=scope.organisation)


class Invitation(models.Model):
    """An invitation for a person to join an organisation with a role."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("invited on"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires on"))
    accepted_at = models.DateTimeField(_("accepted on"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=models.Q(status=InvitationStatus.PENDING),
                name="invitation_one_pending_per_address",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation.name}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class ApiTokenQuerySet(ScopedQuerySet["ApiToken"]):
    def visible_to(self, scope: Scope) -> ApiTokenQuerySet:
        """A person's own tokens for the organisation they work in."""
        return self.filter(user=scope.user, organisation=scope.organisation)


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("starts with"), max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires on"))
    last_used_at = models.DateTimeField(_("last used on"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked on"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
