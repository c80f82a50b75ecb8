"""The shopper's page /me/wallet/convert/: figures, the checklist naming the blocking rule, the
htmx preview, converting once (replays and double clicks included) and bad input without a 500."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from shop.conversion.models import Conversion
from shop.wallet.selectors import current

URL = "/me/wallet/convert/"
PREVIEW = "/me/wallet/convert/preview/"


@pytest.fixture
def signed_in(client, shopper):
    client.force_login(shopper)
    return client


def _rule(html: str, code: str) -> str:
    match = re.search(rf'data-testid="rule-{code}" data-ok="(\w+)"', html)
    assert match, f"rule {code} not shown"
    return match.group(1)


def _blocked(html: str) -> str:
    match = re.search(r'data-testid="blocked">(.*?)</div>', html, re.S)
    return match.group(1) if match else ""


def _idem(html: str) -> str:
    return re.search(r'name="idem" value="(\w+)"', html).group(1)


def test_anonymous_is_sent_to_log_in(client):
    for response in (client.get(URL), client.post(URL, {"gems": "100"}), client.get(PREVIEW + "?gems=1")):
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_page_shows_the_terms_the_gems_and_the_quota(signed_in, terms, settings):
    terms()
    html = signed_in.get(URL).content.decode()
    assert "1 gem = ¥0.10" in html and "5 % loss" in html
    assert "At least 100 gems per conversion." in html
    assert re.search(r'data-testid="gem">300<', html)
    assert re.search(r'data-testid="quota-left">¥5,000.00<', html)
    assert 'name="idem"' in html and '"btn btn-primary">Convert</button>' in html  # not disabled
    assert _rule(html, "minimum") == "pending" and _blocked(html) == ""


def test_window_is_shown_in_local_time(signed_in, terms, clock):
    row = terms()
    from django.utils import timezone

    assert timezone.localtime(row.opens_at).strftime("%Y-%m-%d %H:%M") in signed_in.get(URL).content.decode()


def test_no_settings_explains_it(signed_in):
    html = signed_in.get(URL).content.decode()
    assert "not available yet" in _blocked(html)
    assert " disabled>Convert</button>" in html


@pytest.mark.parametrize(("scenario", "code", "words"), [
    ("before_window", "window", "Conversion opens at"),
    ("after_window", "window", "Conversion closed at"),
    ("unverified", "not_verified", "Only identity-verified shoppers"),
    ("converted", "once_a_month", "already converted gems this month"),
    ("few_gems", "minimum", "You have 50 gems; at least 100 are needed."),
    ("quota_gone", "quota", "quota is used up"),
])
def test_each_blocking_rule_is_explained(client, make_user, fund, terms, clock, scenario, code, words):
    now = clock.now()
    verified = scenario != "unverified"
    user = make_user("x", is_verified=verified)
    fund(user, gem=50 if scenario == "few_gems" else 300)
    if scenario == "before_window":
        terms(opens_at=now + timedelta(hours=1), closes_at=now + timedelta(days=1))
    elif scenario == "after_window":
        terms(opens_at=now - timedelta(days=2), closes_at=now - timedelta(hours=1))
    elif scenario == "quota_gone":
        terms(monthly_quota=Decimal("0"))
    else:
        terms()
    if scenario == "converted":
        from shop.conversion.services import convert

        convert(user=user, gems=Decimal("100"), now=now)
    client.force_login(user)
    html = client.get(URL).content.decode()
    assert _rule(html, code) == "no"
    assert words in _blocked(html)
    assert " disabled>Convert</button>" in html


def test_amount_rules_are_checked_for_the_amount_typed(signed_in, terms):
    terms()
    html = signed_in.get(URL, {"gems": "400"}).content.decode()  # without JavaScript: the Preview button
    assert _rule(html, "insufficient_gems") == "no" and "You have only 300 gems." in _blocked(html)
    html = signed_in.get(URL, {"gems": "99"}).content.decode()
    assert _rule(html, "minimum") == "no" and "at least 100 gems" in _blocked(html)
    html = signed_in.get(URL, {"gems": "150"}).content.decode()
    assert re.search(r'data-testid="preview-credited">¥14.25<', html) and _blocked(html) == ""


def test_htmx_preview_is_a_partial(signed_in, terms):
    terms(rate=Decimal("0.1234"))
    response = signed_in.get(PREVIEW, {"gems": "101"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="preview"') and "<html" not in html
    assert re.search(r'data-testid="preview-gross">¥12.47<', html)
    assert re.search(r'data-testid="preview-credited">¥11.85<', html)  # rounded up
    assert _rule(html, "quota") == "yes"


def test_preview_button_without_javascript_shows_the_whole_page(signed_in, shopper, terms):
    terms()
    response = signed_in.post(PREVIEW, {"gems": "150", "idem": "keep1"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert re.search(r'data-testid="preview-credited">¥14.25<', html)
    assert _idem(html) == "keep1"  # the form's one-time key travels on
    assert not Conversion.objects.exists() and current(shopper, "gem") == Decimal("300.00")


@pytest.mark.parametrize("value", ["abc", "-5", "1e400", "12345678901234567", "1.234", "NaN", ""])
def test_preview_of_bad_input_says_so(signed_in, terms, value):
    terms()
    response = signed_in.get(PREVIEW, {"gems": value}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'data-testid="input-error"' in response.content.decode()


def test_convert_credits_the_balance_and_redirects(signed_in, shopper, terms):
    terms()
    idem = _idem(signed_in.get(URL).content.decode())
    response = signed_in.post(URL, {"gems": "150", "idem": idem})
    assert response.status_code == 302 and response["Location"] == URL
    assert current(shopper, "balance") == Decimal("14.25") and current(shopper, "gem") == Decimal("150.00")
    html = signed_in.get(URL).content.decode()
    assert "Converted 150 gems into ¥14.25." in html
    assert _rule(html, "once_a_month") == "no"


def test_replaying_the_same_form_is_harmless(signed_in, shopper, terms):
    terms()
    idem = _idem(signed_in.get(URL).content.decode())
    first = signed_in.post(URL, {"gems": "150", "idem": idem})
    replay = signed_in.post(URL, {"gems": "150", "idem": idem})  # a double click or a resent form
    assert first.status_code == replay.status_code == 302
    assert "already done" in signed_in.get(URL).content.decode()
    assert Conversion.objects.count() == 1 and current(shopper, "balance") == Decimal("14.25")


def test_a_second_conversion_in_the_month_is_refused_with_words(signed_in, shopper, terms):
    terms()
    signed_in.post(URL, {"gems": "100", "idem": "a1"})
    response = signed_in.post(URL, {"gems": "100", "idem": "b2"})
    assert response.status_code == 200
    assert "already converted gems this month" in response.content.decode()
    assert Conversion.objects.count() == 1 and current(shopper, "gem") == Decimal("200.00")


@pytest.mark.parametrize("value", ["abc", "-5", "0", "1e400", "12345678901234567", "1.234", "NaN", "", "400"])
def test_bad_input_is_a_message_not_an_error(signed_in, shopper, terms, value):
    terms()
    response = signed_in.post(URL, {"gems": value, "idem": "k1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "invalid-feedback" in html or 'data-testid="convert-error"' in html
    assert not Conversion.objects.exists() and current(shopper, "gem") == Decimal("300.00")


def test_a_blocked_conversion_posted_anyway_is_refused(client, make_user, fund, terms):
    terms()
    user = make_user("unverified")
    fund(user, gem=300)
    client.force_login(user)
    response = client.post(URL, {"gems": "150"})
    assert response.status_code == 200
    assert "Only identity-verified shoppers" in response.content.decode()
    assert not Conversion.objects.exists()


def test_post_without_csrf_token_is_refused(signed_in, terms):
    terms()
    assert signed_in.post(URL, {"gems": "150"}, csrf=False).status_code == 403
    assert not Conversion.objects.exists()


def test_wallet_page_links_to_conversion_and_draws(signed_in):
    html = signed_in.get("/me/wallet/").content.decode()
    assert f'href="{URL}"' in html and "Convert gems" in html
    assert 'href="/lotteries/"' in html and "Draws & exchanges" in html


def test_page_runs_a_bounded_number_of_queries(signed_in, terms, django_assert_max_num_queries):
    terms()
    with django_assert_max_num_queries(15):
        signed_in.get(URL, {"gems": "150"})
    with django_assert_max_num_queries(12):
        signed_in.get(PREVIEW, {"gems": "150"}, HTTP_HX_REQUEST="true")
