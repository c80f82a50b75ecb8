"""Gift packages in the catalogue: the operator's form asks for the number of gifts of a gift
package only (1–100), a course holds none, and a gift package's price options need no days; the
shopper sees "N gifts in this package" and how to hand them out, in the cart and on the order."""

from dataclasses import replace
from decimal import Decimal

import pytest
from django.urls import reverse

from shop.catalog.models import PricePolicy, Product
from shop.catalog.services import ProductInput, product_save
from shop.core.errors import DomainError
from shop.core.models import AuditLog

NEW = reverse("backoffice:catalog:new")


def _post(**overrides):
    data = {"title": "Tea gift box", "slug": "", "summary": "s", "body": "Three teas.", "kind": "gift",
            "gift_units": "5", "status": "online",
            "policies-TOTAL_FORMS": "1", "policies-INITIAL_FORMS": "0", "policies-MIN_NUM_FORMS": "0",
            "policies-MAX_NUM_FORMS": "1000", "policies-0-label": "One box", "policies-0-price": "60.00",
            "policies-0-days": "", "policies-0-position": "0", "policies-0-is_active": "on"}
    data.update(overrides)
    return data


def _errors(response, field="gift_units"):
    return " ".join(response.context["form"].errors.get(field, []))


# --- the operator's form -------------------------------------------------------------------------
def test_a_gift_package_is_saved_with_its_gifts_and_no_days(operator_client):
    response = operator_client.post(NEW, _post())
    assert response.status_code == 302
    package = Product.objects.get(slug="tea-gift-box")
    assert package.kind == "gift" and package.gift_units == 5
    assert package.policies.get().days == 1  # not used; the model wants a number
    log = AuditLog.objects.get(action="product.create")
    assert log.after["gift_units"] == 5 and log.after["kind"] == "gift"


def test_a_gift_package_keeps_days_typed_anyway(operator_client):
    assert operator_client.post(NEW, _post(**{"policies-0-days": "30"})).status_code == 302
    assert PricePolicy.objects.get().days == 30


@pytest.mark.parametrize("units, words", [
    ("", "Enter how many gifts the package holds (1 to 100)."),
    ("0", "A gift package holds 1 to 100 gifts."),
    ("101", "A gift package holds 1 to 100 gifts."),
    ("-3", "A gift package holds 1 to 100 gifts."),
    ("lots", "Enter a whole number."),
])
def test_a_gift_package_needs_1_to_100_gifts(operator_client, units, words):
    response = operator_client.post(NEW, _post(gift_units=units))
    assert response.status_code == 200 and words in _errors(response)
    assert not Product.objects.exists()


@pytest.mark.parametrize("kind", ["regular", "degree"])
def test_a_course_given_gifts_is_an_error(operator_client, kind):
    response = operator_client.post(NEW, _post(kind=kind, gift_units="3", **{"policies-0-days": "30"}))
    assert response.status_code == 200
    assert "Only a gift package holds gifts: leave this empty for a course." in _errors(response)
    assert not Product.objects.exists()


@pytest.mark.parametrize("units", ["", "0"])
def test_a_course_holds_no_gifts(operator_client, units):
    response = operator_client.post(NEW, _post(kind="regular", gift_units=units, **{"policies-0-days": "30"}))
    assert response.status_code == 302
    course = Product.objects.get()
    assert course.gift_units == 0 and course.policies.get().days == 30


def test_a_course_still_needs_its_days(operator_client):
    response = operator_client.post(NEW, _post(kind="regular", gift_units=""))
    assert response.status_code == 200
    assert "Enter the days of access." in " ".join(response.context["policies"].forms[0].errors["days"])
    assert not Product.objects.exists()


def test_turning_a_gift_package_into_a_course_asks_to_clear_the_gifts(operator_client, make_gift_package):
    package = make_gift_package(units=4)
    policy = package.policies.get()
    edit = reverse("backoffice:catalog:edit", args=[package.pk])
    page = operator_client.get(edit).content.decode()
    assert 'name="gift_units" value="4"' in page
    data = _post(title=package.title, slug=package.slug, kind="regular", gift_units="4", **{
        "policies-INITIAL_FORMS": "1", "policies-0-id": policy.pk, "policies-0-days": "30"})
    response = operator_client.post(edit, data)
    assert response.status_code == 200 and "leave this empty for a course" in _errors(response)
    assert operator_client.post(edit, {**data, "gift_units": ""}).status_code == 302
    package.refresh_from_db()
    assert package.kind == "regular" and package.gift_units == 0


def test_a_sold_product_cannot_change_between_course_and_gift_package(operator, operator_client, make_product,
                                                                       user, cart_with, fund, clock):
    """What paying granted (an enrollment, gift units) and what a refund takes back follow the
    kind: once sold, a course stays a course (its refund would otherwise keep the enrollment)."""
    from shop.catalog.services import PolicyInput
    from shop.checkout.services import Choices, place_order

    course = make_product(prices=["40.00"], days=30)
    policy = course.policies.get()
    data = ProductInput(title=course.title, slug=course.slug, kind="gift", gift_units=2, policies=[
        PolicyInput(id=policy.pk, label=policy.label, price=policy.price, days=policy.days)])
    fund(user, balance="40")
    place_order(user, [cart_with(user, course)[0].pk], Choices(balance=Decimal("40")), shown_payable=Decimal("0.00"),
                now=clock.now())
    with pytest.raises(DomainError) as refused:
        product_save(actor=operator, product_id=course.pk, data=data)
    assert refused.value.code == "kind_sold"
    course.refresh_from_db()
    assert course.kind == "regular" and course.gift_units == 0
    product_save(actor=operator, product_id=course.pk, data=replace(data, kind="degree", gift_units=0))  # course kinds
    edit = reverse("backoffice:catalog:edit", args=[course.pk])
    response = operator_client.post(edit, _post(title=course.title, slug=course.slug, **{
        "policies-INITIAL_FORMS": "1", "policies-0-id": policy.pk, "policies-0-days": "30"}))
    assert response.status_code == 200 and "can't change between a course and a gift package" in \
        response.content.decode().replace("&#x27;", "'")


def test_the_form_shows_the_gifts_box_empty_for_a_course(operator_client, make_product):
    course = make_product()
    page = operator_client.get(reverse("backoffice:catalog:edit", args=[course.pk])).content.decode()
    assert 'name="gift_units"' in page and 'name="gift_units" value="0"' not in page
    assert "Gifts in the package" in page and "Not used for a gift package" in page
    assert 'id="div_id_gift_units"' in page  # hidden by CSS unless "Gift package" is chosen
    assert 'name="gift_units"' in operator_client.get(NEW).content.decode()


@pytest.mark.parametrize("kind, units, code", [("gift", 0, "gift_units"), ("gift", 101, "gift_units"),
                                               ("regular", 2, "gift_units")])
def test_the_service_refuses_gifts_out_of_place(operator, kind, units, code):
    from shop.catalog.services import PolicyInput

    with pytest.raises(DomainError) as refused:
        product_save(actor=operator, data=ProductInput(title="T", kind=kind, gift_units=units, policies=[
            PolicyInput(label="x", price=Decimal("10"), days=30)]))
    assert refused.value.code == code
    assert not Product.objects.exists()


def test_the_service_stores_one_day_for_a_gift_option_without_days(operator):
    from shop.catalog.services import PolicyInput

    package = product_save(actor=operator, data=ProductInput(title="Box", kind="gift", gift_units=2, policies=[
        PolicyInput(label="x", price=Decimal("10"), days=None)]))
    assert package.gift_units == 2 and package.policies.get().days == 1
    with pytest.raises(DomainError) as refused:
        product_save(actor=operator, data=ProductInput(title="Course", policies=[
            PolicyInput(label="x", price=Decimal("10"), days=None)]))
    assert refused.value.code == "policy_days"


def test_backoffice_table_and_filter_show_gift_packages(operator_client, make_gift_package, make_product):
    make_gift_package("Tea gift box")
    make_product("Python basics")
    page = operator_client.get(reverse("backoffice:catalog:products") + "?kind=gift").content.decode()
    assert "Tea gift box" in page and "Python basics" not in page
    assert 'data-testid="gift-badge"><i class="bi bi-gift' in page


# --- the shopper's pages -------------------------------------------------------------------------
def test_the_package_page_counts_gifts_instead_of_days(client, make_gift_package):
    package = make_gift_package("Tea gift box", units=5)
    page = client.get(package.get_absolute_url()).content.decode()
    assert "5 gifts in this package" in page and "days of access" not in page and "day of access" not in page
    assert 'data-testid="gift-howto"' in page and "create a gift draw at" in page
    assert 'href="/gifts/new/"' in page and "share its link" in page
    assert "Access starts when your order is paid." not in page
    assert 'class="bi bi-gift' in page and "Add to cart" in page


def test_a_package_of_one_gift_says_so(client, make_gift_package):
    page = client.get(make_gift_package(units=1).get_absolute_url()).content.decode()
    assert "1 gift in this package" in page


def test_a_course_page_still_counts_days(client, make_product):
    page = client.get(make_product(days=30).get_absolute_url()).content.decode()
    assert "30 days of access" in page and "gifts in this package" not in page and "gift-howto" not in page


def test_the_list_shows_and_filters_gift_packages(client, make_gift_package, make_product):
    make_gift_package("Tea gift box")
    make_product("Python basics")
    page = client.get(reverse("catalog:list") + "?kind=gift").content.decode()
    assert "Tea gift box" in page and "Python basics" not in page and 'data-testid="gift-badge"' in page
    Product.objects.filter(kind="gift").delete()
    page = client.get(reverse("catalog:list") + "?kind=gift").content.decode()
    assert "No courses of this kind yet." in page


def test_cart_and_order_count_gifts(user, make_gift_package, make_product, cart_with, fund, clock):
    from django.test import Client

    from shop.checkout.services import Choices, place_order
    from shop.gifts.models import GiftHolding

    package, course = make_gift_package(units=3, price="60.00"), make_product(prices=["40.00"], days=30)
    lines = cart_with(user, package, course)
    client = Client()
    client.force_login(user)
    page = client.get(reverse("cart:detail")).content.decode()
    assert page.count('data-testid="cart-gifts"') == 1 and "3 gifts in this package" in page
    assert "2 items" in page
    fund(user, balance="100")
    order = place_order(user, [line.pk for line in lines], Choices(balance=Decimal("100")),
                        shown_payable=Decimal("0.00"), now=clock.now())
    assert GiftHolding.objects.get(user=user, product=package).available == 3
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert "Plan 1 · 3 gifts" in page and "Plan 1 · 30 days" in page
