from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shop.core import texts


class Notification(models.Model):
    """An in-site message, optionally also e-mailed. Visible from ``send_at`` (read against the
    clock); the e-mail is sent once by a job (``notification:<id>:send``) or the sweeper.

    The text is ``key`` + ``params`` (:mod:`shop.core.texts`), shown in the reader's language
    (``shown_title``/``shown_body``). ``title``/``body`` keep it in the site's default language:
    the fallback for rows without a key (older rows, plain-text callers)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    key = models.CharField(max_length=texts.KEY_MAX_LENGTH, blank=True, editable=False)
    params = models.JSONField(default=dict, blank=True, editable=False)
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
        return self.shown_title

    @property
    def shown_title(self) -> str:
        return texts.render(self.key, self.params, "title", self.title)

    @property
    def shown_body(self) -> str:
        return texts.render(self.key, self.params, "body", self.body)


class Preference(models.Model):
    """How to write to a user who is not on the site (e-mails): the language they last used it in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="notification_preference"
    )
    language = models.CharField(_("language"), max_length=15, choices=settings.LANGUAGES)

    class Meta:
        verbose_name = _("notification preference")

    def __str__(self) -> str:
        return f"{self.user}: {self.language}"
