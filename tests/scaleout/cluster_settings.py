"""Settings of the ``manage.py qcluster`` processes that the scale-out tests start.

The shared base settings, as a deployment runs them: PostgreSQL from ``DATABASE_URL`` (the test
database), django-q2's broker and Django's cache in Redis from ``REDIS_URL``. Two values come from
the test run so that both sides agree: the secret key (django-q2 signs every queued package with
it) and the cache key prefix (the cache is shared with the test process, not with earlier runs).
"""

import os

from project.settings.base import *  # noqa: F403
from project.settings.base import CACHES

SECRET_KEY = os.environ["SCALEOUT_SECRET_KEY"]
CACHES["default"]["KEY_PREFIX"] = os.environ.get("SCALEOUT_CACHE_PREFIX", "")
DEBUG = False
# The e-mails of notifications go to the cluster's log, where the tests count them.
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
