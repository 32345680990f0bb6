"""Users, their scoped role, and the audit log."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator (NPM secretariat)")
    COUNCIL = "council", _("Coordination Council member")
    MONITOR = "monitor", _("Monitor (NPM participant)")
    LIAISON = "liaison", _("Authority liaison")
    TRAINER = "trainer", _("Trainer")


class User(AbstractUser):
    """A person who signs in. Scope: a liaison belongs to one authority (and its subtree);
    a monitor or coordinator may be limited to one region (empty = the whole NPM)."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MONITOR)
    authority = models.ForeignKey(
        "core.Authority",
        verbose_name=_("authority"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="liaisons",
        help_text=_("Required for authority liaisons: the ministry or committee they answer for."),
    )
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Optional: limits a monitor to one region."),
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=5,
        blank=True,
        choices=[("kk", "Қазақша"), ("ru", "Русский"), ("en", "English")],
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    # What a role may do is decided in one place only: ``dozor.accounts.access.CAPABILITIES``
    # (use ``can(user, ...)``), never by comparing ``role`` here or elsewhere.


class AuditEvent(models.Model):
    """Who did what, when, to which object, with the values before and after."""

    class Action(models.TextChoices):
        LOGIN = "login", _("Signed in")
        LOGIN_FAILED = "login_failed", _("Failed sign-in")
        LOGOUT = "logout", _("Signed out")
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        IMPORT = "import", _("Imported")
        EXPORT = "export", _("Exported")
        READ = "read", _("Read confidential data")

    # Set by audit_record before the hash is computed (not auto_now_add, which would set it later).
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, verbose_name=_("who"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("who (as recorded)"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    # The hash chain (accounts/audit_chain.py): entry ``seq`` holds the SHA-256 of its content and of
    # the previous entry's hash, so an edited, inserted or deleted entry breaks every later link.
    seq = models.PositiveBigIntegerField(_("number in the chain"), unique=True, editable=False)
    prev_hash = models.CharField(_("hash of the previous entry"), max_length=64, editable=False)
    hash = models.CharField(_("hash"), max_length=64, editable=False)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type} {self.object_id}"
        )


# Device credentials for ODK Collect keep their code in their own folder; Django looks for models here.
from dozor.accounts.devices.models import Device  # noqa: E402, F401
