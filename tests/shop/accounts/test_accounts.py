import pytest
from django.core import mail
from django.urls import reverse

from shop.accounts.models import Address, User
from shop.wallet.models import Wallet


def test_signup_creates_user_with_wallet_and_logs_in(client, db):
    response = client.post(
        reverse("accounts:signup"),
        {"username": "newbie", "email": "n@example.com", "password1": "a-Long-pass-42", "password2": "a-Long-pass-42"},
    )
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert Wallet.objects.filter(user=user).exists()
    assert client.get(reverse("wallet:wallet")).status_code == 200


@pytest.mark.parametrize("next_url, lands", [("/gifts/abc/", "/gifts/abc/"), ("https://evil.example/", "/")])
def test_signup_goes_back_where_the_shopper_came_from(client, db, next_url, lands):
    """Log in → "Create an account" keeps ``next`` (e.g. a gift draw's share link), only on this site."""
    login_page = client.get(f"/accounts/login/?next={next_url}").content.decode()
    if lands != "/":
        assert f'href="/accounts/signup/?next={next_url}"' in login_page
        assert f'name="next" value="{next_url}"' in client.get(f"/accounts/signup/?next={next_url}").content.decode()
    response = client.post(
        reverse("accounts:signup"),
        {"username": "newbie", "password1": "a-Long-pass-42", "password2": "a-Long-pass-42", "next": next_url},
    )
    assert response.status_code == 302 and response["Location"] == lands


def test_signup_refuses_mismatched_passwords(client, db):
    response = client.post(
        reverse("accounts:signup"),
        {"username": "newbie", "password1": "a-Long-pass-42", "password2": "other-pass-42"},
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="newbie").exists()
    assert "didn’t match" in response.content.decode()


def test_login_and_logout(client, user):
    response = client.post(reverse("accounts:login"), {"username": "shopper", "password": "pw-secret-123"})
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_login_is_throttled_after_repeated_failures(client, user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "shopper", "password": "wrong"})
    response = client.post(reverse("accounts:login"), {"username": "shopper", "password": "pw-secret-123"})
    assert response.status_code == 429
    assert b"Too many failed log-ins" in response.content


def test_password_reset_sends_email(client, user):
    response = client.post(reverse("accounts:password_reset"), {"email": "shopper@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/" in mail.outbox[0].body


def test_password_change(shopper_client, user):
    response = shopper_client.post(
        reverse("accounts:password_change"),
        {"old_password": "pw-secret-123", "new_password1": "Brand-new-pw-9", "new_password2": "Brand-new-pw-9"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Brand-new-pw-9")


def test_profile_update_and_bad_phone(shopper_client, user):
    response = shopper_client.post(reverse("accounts:profile"), {"display_name": "Shoppy", "email": "", "phone": "12"})
    assert response.status_code == 200
    assert "Enter a phone number" in response.content.decode()
    response = shopper_client.post(
        reverse("accounts:profile"), {"display_name": "Shoppy", "email": "", "phone": "+86 138 0000 0000"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.display_name == "Shoppy"


def test_profile_needs_login(client, db):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def _add_address(client, name, make_default=False):
    data = {"name": name, "phone": "13800000000", "address": "1 Road"}
    if make_default:
        data["make_default"] = "on"
    return client.post(reverse("accounts:address_new"), data)


def test_first_address_becomes_default_and_default_can_move(shopper_client, user):
    _add_address(shopper_client, "Home")
    _add_address(shopper_client, "Work")
    home, work = Address.objects.get(name="Home"), Address.objects.get(name="Work")
    assert home.is_default and not work.is_default
    shopper_client.post(reverse("accounts:address_default", args=[work.pk]))
    home.refresh_from_db(), work.refresh_from_db()
    assert work.is_default and not home.is_default
    page = shopper_client.get(reverse("accounts:addresses")).content.decode()
    assert "Home" in page and "Work" in page


def test_deleting_default_address_promotes_another(shopper_client, user):
    _add_address(shopper_client, "Home")
    _add_address(shopper_client, "Work")
    home = Address.objects.get(name="Home")
    shopper_client.post(reverse("accounts:address_delete", args=[home.pk]))
    assert Address.objects.get(name="Work").is_default


def test_other_users_addresses_are_404(shopper_client, other_user):
    theirs = Address.objects.create(user=other_user, name="Theirs", phone="13800000000", address="x", is_default=True)
    assert shopper_client.get(reverse("accounts:address_edit", args=[theirs.pk])).status_code == 404
    assert shopper_client.post(reverse("accounts:address_delete", args=[theirs.pk])).status_code == 404
    assert shopper_client.post(reverse("accounts:address_default", args=[theirs.pk])).status_code == 404
    assert Address.objects.filter(pk=theirs.pk).exists()


def test_database_allows_one_default_address(user):
    from django.db import IntegrityError, transaction

    Address.objects.create(user=user, name="A", phone="13800000000", address="x", is_default=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Address.objects.create(user=user, name="B", phone="13800000000", address="y", is_default=True)


def test_seed_demo_is_idempotent_and_resettable(db):
    from django.core.management import call_command

    call_command("seed_demo")
    call_command("seed_demo")
    alice = User.objects.get(username="alice")
    assert alice.is_member and alice.check_password("alice-pass-123")
    assert alice.wallet.balance > 0
    assert User.objects.get(username="operator").is_staff
    call_command("seed_demo", "--reset")
    assert User.objects.filter(username__in=["alice", "bob", "operator"]).count() == 3


def test_seed_demo_reset_after_shopping_in_the_demo(db, clock):
    """A demo someone has used (a course paid online, one left pending, a draw) still resets."""
    from django.core.management import call_command

    from shop.cart.models import Cart
    from shop.cart.services import add
    from shop.catalog.models import Product
    from shop.checkout.services import Choices, place_order, settle
    from shop.lottery import demo as lottery_demo
    from shop.lottery.models import Campaign
    from shop.lottery.services import draw
    from shop.orders.models import Order
    from shop.payments.models import GatewayEvent

    call_command("seed_demo")
    alice = User.objects.get(username="alice")
    cart, _ = Cart.objects.get_or_create(user=alice)
    orders = []
    for product in Product.objects.filter(status="online")[:2]:
        line = add(cart, product, product.policies.first().pk)
        payable = settle(alice, [line.pk], Choices(), now=clock.now()).quote.payable
        orders.append(place_order(alice, [line.pk], Choices(), shown_payable=payable, now=clock.now()))
    GatewayEvent.objects.create(gateway="sandbox", event_id="t1:paid", trade_no="t1", order=orders[0], paid=True,
                                amount=orders[0].payable, outcome="applied", at=clock.now())
    draw(user=alice, campaign_id=Campaign.objects.get(title=lottery_demo.LOTTERY).pk, now=clock.now())
    call_command("seed_demo", "--reset")
    alice = User.objects.get(username="alice")
    assert not Order.objects.filter(pk__in=[order.pk for order in orders]).exists()
    assert not Order.objects.filter(user=alice).exclude(lines__units__gt=0).exists()  # the demo's gift package only
    assert alice.wallet.balance > 0
