"""The load test's server: exactly `make run`'s settings (project.settings.demo: DEBUG off, the
production middleware and security headers, SQLite unless DATABASE_URL says otherwise), except
that static files are not collected first (the load test never asks for them, and a
collectstatic would cost it ~10 s): ``{% static %}`` needs no manifest."""

from project.settings.demo import *  # noqa: F403
from project.settings.demo import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
