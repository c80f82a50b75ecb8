import pytest


@pytest.fixture
def client(csrf_client):
    """Every request in the backoffice tests is checked for CSRF, as in production (the token is
    sent from the cookie, as the pages' forms and htmx do)."""
    return csrf_client
