"""Settings for ``make bench``: the test settings (throwaway database, DEBUG off) with the
production cache choice (the database cache, Redis when REDIS_URL), so that cached hints and
fragments cost what they cost in production. ``BAZAAR_BENCH_DB_NAME`` points the gunicorn
workers of the storefront benchmark at the database the benchmark created."""

import os

from project.settings import base
from project.settings.test import *  # noqa: F403
from project.settings.test import DATABASES

CACHES = base.CACHES
if os.environ.get("BAZAAR_BENCH_DB_NAME"):
    DATABASES["default"]["NAME"] = os.environ["BAZAAR_BENCH_DB_NAME"]
ROOT_URLCONF = "bench.urls"
