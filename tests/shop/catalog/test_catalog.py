from django.urls import reverse

from shop.catalog.models import PricePolicy, Product
from shop.core.models import AuditLog


def test_list_shows_online_products_with_lowest_price(client, make_product):
    make_product("Visible course", prices=["99.00", "49.00"])
    make_product("Hidden course", status="offline")
    page = client.get(reverse("catalog:list")).content.decode()
    assert "Visible course" in page and "Hidden course" not in page and "from ¥49.00" in page


def test_search_filter_sort_and_htmx_partial(client, make_product):
    make_product("Python basics", prices=["10"])
    make_product("Advanced SQL", prices=["90"])
    make_product("Degree thing", kind="degree", prices=["500"])
    partial = client.get(reverse("catalog:list") + "?q=python", HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<section id="product-list"') and "Python basics" in partial
    assert "Advanced SQL" not in partial
    degree = client.get(reverse("catalog:list") + "?kind=degree").content.decode()
    assert "Degree thing" in degree and "Python basics" not in degree
    by_price = client.get(reverse("catalog:list") + "?sort=-price").content.decode()
    assert by_price.index("Degree thing") < by_price.index("Python basics")
    assert client.get(reverse("catalog:list") + "?sort=bogus&kind=x&page=zz").status_code == 200


def test_list_query_count_is_constant(client, make_product, django_assert_max_num_queries):
    for _ in range(10):
        make_product()
    with django_assert_max_num_queries(4):
        assert client.get(reverse("catalog:list")).status_code == 200


def test_detail_shows_active_policies_and_add_to_cart(client, make_product):
    course = make_product(prices=["10", "20"])
    course.policies.filter(price=20).update(is_active=False)
    page = client.get(course.get_absolute_url()).content.decode()
    assert "Add to cart" in page and "¥10.00" in page and "¥20.00" not in page


def test_offline_and_unknown_are_404_but_staff_can_preview(client, operator, make_product):
    course = make_product(status="offline")
    assert client.get(course.get_absolute_url()).status_code == 404
    assert client.get(reverse("catalog:detail", args=["nope"])).status_code == 404
    client.force_login(operator)
    assert "Preview" in client.get(course.get_absolute_url()).content.decode()


def test_product_without_policies_is_not_available(client, make_product):
    course = make_product(prices=[])
    assert "Not available right now" in client.get(course.get_absolute_url()).content.decode()


def _product_post(**overrides):
    data = {"title": "New course", "slug": "", "summary": "s", "body": "b", "kind": "regular", "status": "online",
            "policies-TOTAL_FORMS": "2", "policies-INITIAL_FORMS": "0", "policies-MIN_NUM_FORMS": "0",
            "policies-MAX_NUM_FORMS": "1000",
            "policies-0-label": "1 month", "policies-0-price": "99.00", "policies-0-days": "30",
            "policies-0-position": "0", "policies-0-is_active": "on",
            "policies-1-label": "1 year", "policies-1-price": "899.00", "policies-1-days": "365",
            "policies-1-position": "1", "policies-1-is_active": "on"}
    data.update(overrides)
    return data


def test_backoffice_creates_product_with_policies(operator_client):
    response = operator_client.post(reverse("backoffice:catalog:new"), _product_post())
    assert response.status_code == 302
    product = Product.objects.get(slug="new-course")
    assert product.policies.count() == 2
    assert AuditLog.objects.filter(action="product.create").exists()


def test_backoffice_validation_errors(operator_client, make_product):
    taken = make_product()
    bad = operator_client.post(reverse("backoffice:catalog:new"), _product_post(**{
        "slug": taken.slug, "policies-0-price": "0", "policies-1-days": "0"}))
    content = bad.content.decode()
    assert bad.status_code == 200 and "already uses the slug" in content
    assert "greater than zero" in content and "Enter at least one day" in content


def test_backoffice_retires_used_policies_and_toggles_status(operator_client, user, make_product, cart_with):
    course = make_product(prices=["10"])
    cart_with(user, course)
    policy = course.policies.get()
    data = _product_post(**{"title": course.title, "slug": course.slug, "policies-TOTAL_FORMS": "2",
                            "policies-INITIAL_FORMS": "1", "policies-0-id": policy.pk, "policies-0-DELETE": "on"})
    response = operator_client.post(reverse("backoffice:catalog:edit", args=[course.pk]), data)
    assert response.status_code == 302
    assert PricePolicy.objects.get(pk=policy.pk).is_active is False
    operator_client.post(reverse("backoffice:catalog:status", args=[course.pk]), {"status": "offline"})
    course.refresh_from_db()
    assert course.status == "offline"


def test_backoffice_table_filters_and_queries(operator_client, make_product, django_assert_max_num_queries):
    for _ in range(8):
        make_product()
    make_product("Needle", status="offline")
    with django_assert_max_num_queries(10):
        page = operator_client.get(reverse("backoffice:catalog:products") + "?status=offline").content.decode()
    assert "Needle" in page
    assert operator_client.get(reverse("backoffice:catalog:products"), HTTP_HX_REQUEST="true").status_code == 200


def test_backoffice_catalogue_forbidden_for_shoppers(shopper_client):
    assert shopper_client.get(reverse("backoffice:catalog:products")).status_code == 403
