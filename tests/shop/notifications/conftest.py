import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """Requests made with a language cookie leave that language active in the thread."""
    yield
    translation.deactivate()
