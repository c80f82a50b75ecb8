import pytest


@pytest.fixture(autouse=True)
def _fail_fast(page):
    page.set_default_timeout(10_000)
    page.set_default_navigation_timeout(15_000)


@pytest.fixture
def login(page, live_server):
    """``login(username, password, page=page, next="/")`` through the log-in form."""

    def login(username: str, password: str, *, page=page, next: str = ""):
        page.goto(f"{live_server.url}/accounts/login/" + (f"?next={next}" if next else ""))
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

    return login
