from datetime import timedelta

from django_q.models import Schedule

from shop.coupons import demo
from shop.coupons.models import Coupon


def test_demo_coupons_claiming_now_and_later(make_product, clock, django_capture_on_commit_callbacks):
    course = make_product("Demo course")
    with django_capture_on_commit_callbacks(execute=True):
        summary = demo.seed(now=clock.now())
    assert "4" in summary
    now = clock.now()
    claiming = [c for c in Coupon.objects.all() if c.claim_status_at(now) == "claiming"]
    assert {c.scope for c in claiming} == {"global", "product"}
    assert Coupon.objects.get(scope="product").product == course
    later = Coupon.objects.get(claim_opens_at__gt=now)
    assert later.claim_status_at(now + timedelta(days=2, minutes=1)) == "claiming"
    assert Schedule.objects.filter(name=f"coupon:{later.pk}:open").exists()
    assert demo.seed(now=now) == "coupons created: 0"
    assert Coupon.objects.count() == 4


def test_demo_without_an_online_product_says_so(db, make_product, clock):
    make_product("Hidden", status="offline")
    summary = demo.seed(now=clock.now())
    assert "no online product" in summary
    assert not Coupon.objects.filter(scope="product").exists() and Coupon.objects.count() == 3


def test_demo_reset_keeps_claimed_coupons(user, make_product, give_coupon, clock):
    demo.seed(now=clock.now())
    kept = Coupon.objects.filter(claim_opens_at__lte=clock.now()).first()
    give_coupon(user, kept)
    demo.reset()
    assert list(Coupon.objects.all()) == [kept]
