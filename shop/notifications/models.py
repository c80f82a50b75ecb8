from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An in-site message, optionally also e-mailed. Visible from ``send_at`` (read against the
    clock); the e-mail is sent once by a job (``notification:<id>:send``) or the sweeper."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=200, blank=True)
    send_at = models.DateTimeField(_("time"), db_index=True)
    email = models.BooleanField(_("also e-mail"), default=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-send_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "send_at"])]
        verbose_name = _("notification")

    def __str__(self) -> str:
        return self.title
