from decimal import Decimal

import pytest
from django.urls import reverse

from shop.cart.models import Cart, CartLine
from shop.cart.services import add, change_policy, merge_session_cart, remove
from shop.core.errors import DomainError


@pytest.fixture
def cart(user):
    return Cart.objects.create(user=user)


def test_add_again_updates_the_policy(cart, make_product):
    course = make_product(prices=["10.00", "25.00"])
    first, second = course.policies.all()
    add(cart, course, first.pk)
    line = add(cart, course, second.pk)
    assert cart.lines.count() == 1 and line.policy == second


def test_refuses_offline_foreign_and_retired_policies(cart, make_product):
    course, other = make_product(), make_product()
    with pytest.raises(DomainError, match="no longer available"):
        add(cart, course, other.policies.first().pk)
    with pytest.raises(DomainError, match="price option"):
        add(cart, course, "abc")
    course.policies.update(is_active=False)
    with pytest.raises(DomainError, match="no longer available"):
        add(cart, course, course.policies.first().pk)
    other.status = "offline"
    other.save()
    with pytest.raises(DomainError, match="not on sale"):
        add(cart, other, other.policies.first().pk)


def test_change_and_remove(cart, make_product):
    course = make_product(prices=["10.00", "25.00"])
    line = add(cart, course, course.policies.first().pk)
    change_policy(cart, line.pk, course.policies.last().pk)
    line.refresh_from_db()
    assert line.policy.price == Decimal("25.00")
    remove(cart, line.pk)
    assert not cart.lines.exists()


def test_merge_moves_lines_and_session_choice_wins(user, make_product):
    a, b = make_product(prices=["1", "2"]), make_product()
    user_cart, anon = Cart.objects.create(user=user), Cart.objects.create(session_key="k")
    add(user_cart, a, a.policies.first().pk)
    add(anon, a, a.policies.last().pk)
    add(anon, b, b.policies.first().pk)
    merge_session_cart(anon, user_cart)
    assert user_cart.lines.count() == 2
    assert user_cart.lines.get(product=a).policy == a.policies.last()
    assert not Cart.objects.filter(pk=anon.pk).exists()


def test_anonymous_cart_persists_and_merges_at_login(client, user, make_product):
    course = make_product()
    client.post(reverse("cart:add", args=[course.slug]), {"policy": course.policies.first().pk})
    assert course.title in client.get(reverse("cart:detail")).content.decode()
    client.post(reverse("accounts:login"), {"username": "shopper", "password": "pw-secret-123"})
    assert CartLine.objects.filter(cart__user=user, product=course).exists()
    page = client.get(reverse("cart:detail")).content.decode()
    assert 'data-testid="cart-count">1<' in page


def test_cart_pages_and_partials(shopper_client, user, make_product):
    a, b = make_product(prices=["10.00", "20.00"]), make_product(prices=["5.00"])
    response = shopper_client.post(reverse("cart:add", args=[a.slug]), {"policy": a.policies.first().pk},
                                   HTTP_HX_REQUEST="true")
    assert 'id="cart-badge"' in response.content.decode() and 'hx-swap-oob="true"' in response.content.decode()
    shopper_client.post(reverse("cart:add", args=[b.slug]), {"policy": b.policies.first().pk})
    line = CartLine.objects.get(product=a)
    changed = shopper_client.post(reverse("cart:change", args=[line.pk]), {"policy": a.policies.last().pk},
                                  HTTP_HX_REQUEST="true").content.decode()
    assert changed.lstrip().startswith('<div id="cart-body">') and "¥25.00" in changed
    removed = shopper_client.post(reverse("cart:remove", args=[line.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="cart-count">1<' in removed and a.title not in removed


def test_cart_errors_are_messages_not_500(shopper_client, make_product):
    course = make_product()
    assert shopper_client.post(reverse("cart:add", args=["nope"]), {"policy": 1}).status_code == 404
    bad = shopper_client.post(reverse("cart:add", args=[course.slug]), {"policy": "x"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422 and "Choose a price option" in bad.content.decode()
    assert shopper_client.get(reverse("cart:add", args=[course.slug])).status_code == 405


def test_other_peoples_lines_are_404(shopper_client, other_user, make_product, cart_with):
    theirs = cart_with(other_user, make_product())[0]
    assert shopper_client.post(reverse("cart:remove", args=[theirs.pk])).status_code == 404
    assert shopper_client.post(reverse("cart:change", args=[theirs.pk]), {"policy": 1}).status_code == 404


def test_unavailable_line_is_flagged(shopper_client, user, make_product, cart_with):
    course = make_product()
    cart_with(user, course)
    course.status = "offline"
    course.save()
    page = shopper_client.get(reverse("cart:detail")).content.decode()
    assert "No longer available" in page


def test_cart_page_queries_are_constant(shopper_client, user, make_product, cart_with, django_assert_max_num_queries):
    cart_with(user, *[make_product(prices=["1", "2"]) for _ in range(8)])
    with django_assert_max_num_queries(8):
        assert shopper_client.get(reverse("cart:detail")).status_code == 200


def test_cart_read_while_its_line_changes_is_not_kept_under_the_older_key(shopper_client, user, make_product,
                                                                          cart_with, monkeypatch):
    """The cart page's key is read before its lines: a change landing in between (another tab)
    must not leave the newer content cached under the older key, served when that state returns."""
    from shop.cart import views

    course = make_product(prices=["10", "20"])
    line = cart_with(user, course)[0]
    first, second = course.policies.order_by("price")
    shopper_client.get(reverse("cart:detail"))  # the CSRF cookie: content is cached from now on
    read_lines = views.lines_for

    def changed_meanwhile(cart):
        CartLine.objects.filter(pk=line.pk).update(policy=second)
        return read_lines(cart)

    monkeypatch.setattr(views, "lines_for", changed_meanwhile)
    assert f'value="{second.pk}" selected' in shopper_client.get(reverse("cart:detail")).content.decode()
    monkeypatch.setattr(views, "lines_for", read_lines)
    CartLine.objects.filter(pk=line.pk).update(policy=first)  # the state the key was read in, again
    page = shopper_client.get(reverse("cart:detail")).content.decode()
    assert f'value="{first.pk}" selected' in page and f'value="{second.pk}" selected' not in page


def test_concurrent_adds_of_one_product_make_one_line(run_concurrently, make_user, make_product):
    shopper = make_user("adder")
    course = make_product(prices=["1", "2", "3"])
    cart = Cart.objects.create(user=shopper)
    policies = list(course.policies.all())
    results, errors = run_concurrently(lambda i: add(cart, course, policies[i % 3].pk), 20)
    assert not [e for e in errors if e]
    assert CartLine.objects.filter(cart=cart).count() == 1


def test_sweeper_forgets_stale_anonymous_carts(user, make_product, clock):
    from datetime import timedelta

    from shop.cart.tasks import apply_due

    course = make_product()
    old, fresh = Cart.objects.create(session_key="old"), Cart.objects.create(session_key="fresh")
    Cart.objects.create(user=user)
    add(old, course, course.policies.first().pk)
    Cart.objects.filter(pk=old.pk).update(updated_at=clock.now() - timedelta(days=40))
    CartLine.objects.filter(cart=old).update(added_at=clock.now() - timedelta(days=40))
    add(fresh, course, course.policies.first().pk)
    Cart.objects.filter(pk=fresh.pk).update(updated_at=clock.now() - timedelta(days=40))
    apply_due(clock.now())
    assert set(Cart.objects.values_list("session_key", flat=True)) == {"fresh", None}


def test_signing_up_keeps_the_anonymous_cart(client, make_product):
    course = make_product()
    client.post(reverse("cart:add", args=[course.slug]), {"policy": course.policies.first().pk})
    client.post(reverse("accounts:signup"), {"username": "newbie", "email": "n@example.com",
                                             "password1": "a-long-pass-123", "password2": "a-long-pass-123"})
    assert CartLine.objects.filter(cart__user__username="newbie", product=course).exists()


def test_cart_merge_is_not_a_signal_receiver():
    from django.contrib.auth.signals import user_logged_in

    assert not [r for r in user_logged_in.receivers if "cart" in str(r)]
