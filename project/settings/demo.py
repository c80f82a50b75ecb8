"""`make run`: production behaviour on one laptop.

DEBUG off (so the shop's own 404/403/400/500 pages show), static files collected and served by
WhiteNoise with compressed, hashed names, the production security headers — but plain http on
127.0.0.1 (no HTTPS redirect, no HSTS, cookies not marked secure), console e-mail and the SQLite
default (or ``DATABASE_URL``/``REDIS_URL`` as usual).
"""

import os
from pathlib import Path

# production.py insists on a SECRET_KEY from the environment; the demo brings its own.
os.environ.setdefault("SECRET_KEY", "demo-insecure-key-only-for-make-run-on-127.0.0.1")

from .production import *  # noqa: E402, F403
from .production import BASE_DIR  # noqa: E402

ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h]
SECURE_PROXY_SSL_HEADER = None
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
SECURE_HSTS_PRELOAD = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# Its own collected files, so a demo's collectstatic never shadows the test suite's static files.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "demo-static"))
# Uploaded covers and avatars: production's proxy serves MEDIA_ROOT; the demo has none in front.
BAZAAR_SERVE_MEDIA = True
