from django.db import models
from django.utils import timezone


class Heartbeat(models.Model):
    """When a periodic job last ran; /healthz reads it to tell whether a cluster is alive."""

    name = models.CharField(max_length=64, unique=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {timezone.localtime(self.at):%Y-%m-%d %H:%M:%S}"  # site time zone
