from .base import *  # noqa: F403

DEBUG = True
ALLOWED_HOSTS = ["*"]

(BASE_DIR / "var" / "static").mkdir(parents=True, exist_ok=True)  # noqa: F405  whitenoise wants it
