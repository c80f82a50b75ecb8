import pytest


@pytest.fixture
def client(csrf_client):
    """Every request in these tests is checked for CSRF, as in production."""
    return csrf_client
