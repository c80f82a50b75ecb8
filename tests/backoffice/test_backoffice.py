import re
from decimal import Decimal

import pytest
from django.urls import reverse

from shop.core.models import AuditLog
from shop.wallet.models import LedgerEntry, Wallet
from shop.wallet.services import credit

AREAS = [reverse("backoffice:dashboard"), reverse("backoffice:wallets:list"), reverse("backoffice:audit:list")]


@pytest.mark.parametrize("url", AREAS)
def test_anonymous_is_sent_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("url", AREAS)
def test_anonymous_htmx_gets_client_redirect(client, db, url):
    response = client.get(url, HTTP_HX_REQUEST="true")
    assert "/accounts/login/" in response["HX-Redirect"]


@pytest.mark.parametrize("url", AREAS)
def test_shoppers_are_forbidden(shopper_client, url):
    assert shopper_client.get(url).status_code == 403


def test_staff_without_area_permission_sees_dashboard_only(client, staff_without_areas):
    client.force_login(staff_without_areas)
    assert client.get(reverse("backoffice:dashboard")).status_code == 200
    assert client.get(reverse("backoffice:wallets:list")).status_code == 403


def test_dashboard_renders_for_operator(operator_client):
    content = operator_client.get(reverse("backoffice:dashboard")).content.decode()
    assert "Dashboard" in content and "Wallets" in content


def test_the_backoffice_header_spans_the_page_like_its_sidebar(operator_client):
    """The shop's header sits in a centred container; over the full-width backoffice it lined up
    with neither the sidebar nor the content."""
    header = '<nav class="navbar'
    backoffice = operator_client.get(reverse("backoffice:dashboard")).content.decode()
    shop = operator_client.get(reverse("catalog:list")).content.decode()
    assert backoffice.split(header, 1)[1].split("\n", 2)[1].strip().startswith('<div class="container-fluid')
    assert shop.split(header, 1)[1].split("\n", 2)[1].strip() == '<div class="container">'
    again = operator_client.get(reverse("backoffice:dashboard")).content.decode()  # from the fragment cache
    assert again.split(header, 1)[1].split("\n", 2)[1].strip().startswith('<div class="container-fluid')


def test_wallet_list_filters_and_htmx_partial(operator_client, make_user):
    make_user("findme", display_name="Find Me")
    make_user("zz-other")
    response = operator_client.get(reverse("backoffice:wallets:list") + "?q=find")
    content = response.content.decode()
    assert "findme" in content and "zz-other" not in content
    partial = operator_client.get(reverse("backoffice:wallets:list") + "?q=find", HTTP_HX_REQUEST="true")
    assert partial.content.decode().lstrip().startswith('<div id="table">')


def test_wallet_list_query_count_is_constant(operator_client, make_user, django_assert_max_num_queries):
    for i in range(30):
        make_user(f"bulk{i}")
    with django_assert_max_num_queries(10):
        response = operator_client.get(reverse("backoffice:wallets:list"))
    assert response.status_code == 200


def test_operator_grants_and_deducts_with_audit(operator_client, operator, user):
    url = reverse("backoffice:wallets:detail", args=[user.pk])
    response = operator_client.post(url, {"direction": "grant", "asset": "balance", "amount": "25.50", "memo": "Goodwill"})
    assert response.status_code == 302
    response = operator_client.post(url, {"direction": "deduct", "asset": "balance", "amount": "5", "memo": "Correction"})
    assert response.status_code == 302
    assert Wallet.objects.get(user=user).balance == Decimal("20.50")
    entries = LedgerEntry.objects.filter(wallet__user=user).order_by("id")
    assert [e.actor for e in entries] == [operator, operator]
    audit = AuditLog.objects.filter(actor=operator, target_type="wallet.wallet").order_by("id")
    assert [a.action for a in audit] == ["wallet.grant", "wallet.deduct"]
    assert audit[1].before == {"balance": "25.50"} and audit[1].after["balance"] == "20.50"
    page = operator_client.get(url).content.decode()
    assert "Goodwill" in page and "Correction" in page
    # every time in a backoffice table stays on one line (a phone broke "2026-12-01" at its hyphens)
    assert re.search(r'<td class="text-nowrap">\d{4}-\d\d-\d\d \d\d:\d\d</td>', page)


def test_deduct_more_than_held_is_a_form_error(operator_client, user):
    url = reverse("backoffice:wallets:detail", args=[user.pk])
    response = operator_client.post(url, {"direction": "deduct", "asset": "gem", "amount": "1", "memo": "x"})
    assert response.status_code == 200
    assert "Not enough gems" in response.content.decode()
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize("amount", ["-5", "abc", "0", "1.234", ""])
def test_bad_amounts_are_form_errors(operator_client, user, amount):
    url = reverse("backoffice:wallets:detail", args=[user.pk])
    response = operator_client.post(url, {"direction": "grant", "asset": "balance", "amount": amount, "memo": "x"})
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert not LedgerEntry.objects.exists()


def test_unknown_wallet_is_404(operator_client):
    assert operator_client.get(reverse("backoffice:wallets:detail", args=[99999])).status_code == 404


def test_ledger_table_filters_by_asset(operator_client, user):
    credit(user=user, asset="gem", amount=3, memo="gem-gift")
    credit(user=user, asset="gold", amount=4, memo="gold-gift")
    url = reverse("backoffice:wallets:detail", args=[user.pk])
    content = operator_client.get(url + "?asset=gem", HTTP_HX_REQUEST="true").content.decode()
    assert "gem-gift" in content and "gold-gift" not in content


def test_audit_log_lists_operator_writes(operator_client, user):
    url = reverse("backoffice:wallets:detail", args=[user.pk])
    operator_client.post(url, {"direction": "grant", "asset": "gold", "amount": "2", "memo": "Prize"})
    content = operator_client.get(reverse("backoffice:audit:list")).content.decode()
    assert "wallet.grant" in content


def test_dashboard_counts_todays_orders_and_claims(operator_client, user, make_product, cart_with, fund,
                                                   make_coupon, give_coupon, clock):
    from decimal import Decimal as D

    from shop.checkout.services import Choices, place_order

    fund(user, balance="100")
    give_coupon(user, make_coupon())
    line = cart_with(user, make_product(prices=["40.00"]))[0]
    place_order(user, [line.pk], Choices(balance=D("40")), shown_payable=D("0.00"), now=clock.now())
    content = operator_client.get(reverse("backoffice:dashboard")).content.decode()
    assert 'data-testid="orders-today">1<' in content
    assert "Revenue, last 30 days" in content


def test_dashboard_counts_todays_draws_and_prizes_to_ship(operator_client, user, make_campaign, clock):
    from shop.lottery.services import draw, submit_details

    campaign = make_campaign(free_chances=3, prizes=[{"title": "Bike"}])
    orders = [draw(user=user, campaign_id=campaign.pk, now=clock.now()).order for _ in range(3)]
    submit_details(user=user, number=orders[0].number, recipient="Ann", id_card="11010119900307803X",
                   phone="13800000000", address="1 Road", now=clock.now())
    content = operator_client.get(reverse("backoffice:dashboard")).content.decode()
    assert 'data-testid="draws-today">3<' in content and "1 prize to ship" in content
