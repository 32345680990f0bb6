"""A phone or tablet running ODK Collect / KoboCollect, signed in to Dozor's OpenRosa server with
its own credential (docs/decisions/0026-openrosa-server.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Device(models.Model):
    """One device credential of a user: a generated user name and a password stored only as a
    Django password hash. Revoking it (the user or a coordinator) ends it at once; it is never
    deleted, so the audit log keeps naming it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="devices"
    )
    label = models.CharField(_("label"), max_length=100, blank=True)
    username = models.CharField(_("device user name"), max_length=40, unique=True)
    password = models.CharField(_("password hash"), max_length=128)
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ODK Collect device")
        verbose_name_plural = _("ODK Collect devices")

    def __str__(self) -> str:
        return self.label or self.username

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
