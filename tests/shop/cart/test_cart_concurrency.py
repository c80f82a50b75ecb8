"""Two tabs (or a double click) acting on the same cart line at once, over HTTP with real threads:
the loser gets the cart page or a message, never a 500."""

import pytest
from django.urls import reverse

from shop.cart.models import Cart, CartLine
from shop.cart.services import add
from tests.conftest import CsrfClient


def _clients(user, n):
    clients = []
    for _ in range(n):
        c = CsrfClient(raise_request_exception=False)
        c.force_login(user)
        c.csrf_token()
        clients.append(c)
    return clients


THREADS, ROUNDS = 8, 4


@pytest.mark.parametrize("htmx", [False, True])
def test_parallel_removes_and_changes_of_one_line_never_500(run_concurrently, make_user, make_product, htmx):
    shopper = make_user("racer")
    course = make_product(prices=["10.00", "20.00"])
    policies = list(course.policies.values_list("pk", flat=True))
    cart = Cart.objects.create(user=shopper)
    clients = _clients(shopper, THREADS)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    for _round in range(ROUNDS):
        line = add(cart, course, policies[0])

        def act(i, line=line):
            if i % 2:
                return clients[i].post(reverse("cart:remove", args=[line.pk]), **headers).status_code
            return clients[i].post(reverse("cart:change", args=[line.pk]), {"policy": policies[i % 4 // 2]},
                                   **headers).status_code

        results, errors = run_concurrently(act, THREADS)
        assert not [e for e in errors if e]
        assert all(code < 500 for code in results), results
        assert not CartLine.objects.filter(pk=line.pk).exists()
