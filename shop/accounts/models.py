from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 \-]{5,18}[0-9]$", _("Enter a phone number (digits, spaces, dashes, optional +).")
)


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    phone = models.CharField(_("phone number"), max_length=20, blank=True, validators=[phone_validator])
    avatar = models.ImageField(_("avatar"), upload_to="avatars/", blank=True)
    is_member = models.BooleanField(
        _("member"), default=False, help_text=_("Paid membership; some campaigns are members-only.")
    )
    is_verified = models.BooleanField(
        _("identity verified"), default=False, help_text=_("Set by operators after an identity check.")
    )

    @property
    def shown_name(self) -> str:
        return self.display_name or self.username

    def __str__(self) -> str:
        return self.username


class Address(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses")
    name = models.CharField(_("recipient"), max_length=60)
    phone = models.CharField(_("phone number"), max_length=20, validators=[phone_validator])
    address = models.TextField(_("address"), max_length=300)
    is_default = models.BooleanField(_("default address"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_default=True), name="one_default_address_per_user"
            )
        ]
        verbose_name = _("shipping address")
        verbose_name_plural = _("shipping addresses")

    def __str__(self) -> str:
        return f"{self.name}, {self.address}"
