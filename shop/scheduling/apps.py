from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "shop.scheduling"
    label = "scheduling"
    verbose_name = _("Scheduling")

    def ready(self):
        post_migrate.connect(_register_sweeper, sender=self)


def _register_sweeper(**kwargs):
    from .services import ensure_sweeper

    ensure_sweeper(using=kwargs.get("using", "default"))
