import pytest
from django.urls import NoReverseMatch, reverse


@pytest.fixture(autouse=True)
def _my_prizes_url(settings):
    """Notifications link to ``lottery:my_prizes``; until the storefront defines it, a stand-in."""
    try:
        reverse("lottery:my_prizes")
    except NoReverseMatch:
        settings.ROOT_URLCONF = "tests.backoffice.campaigns.standin_urls"
