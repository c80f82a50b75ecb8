from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from shop.core.errors import DomainError
from shop.coupons.forms import CouponForm
from shop.coupons.models import ClaimedCoupon, Coupon
from shop.coupons.services import ClaimRefused, claim, coupon_delete, coupon_save, expire_due, mark_used, release
from shop.coupons.tasks import apply_due


def _form_data(now, **overrides):
    now = timezone.localtime(now)  # the form speaks local time
    data = {"name": "Spring", "kind": "flat", "value": "10", "scope": "global", "quantity": "5", "per_user_limit": "1",
            "claim_opens_at": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "claim_closes_at": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "validity": "days", "valid_days": "7"}
    data.update(overrides)
    return data


@pytest.mark.parametrize("overrides, field", [
    ({"value": "0"}, "value"),
    ({"value": "-3"}, "value"),
    ({"kind": "threshold", "value": "30", "min_spend": ""}, "min_spend"),
    ({"kind": "threshold", "value": "30", "min_spend": "30"}, "min_spend"),
    ({"kind": "percent", "off_percent": "0"}, "off_percent"),
    ({"kind": "percent", "off_percent": "100"}, "off_percent"),
    ({"scope": "product"}, "product"),
    ({"scope": "session"}, "scope"),
    ({"validity": "days", "valid_days": "0"}, "valid_days"),
    ({"validity": "fixed", "valid_from": "2026-12-10T00:00", "valid_until": "2026-12-01T00:00"}, "valid_until"),
    ({"validity": "fixed"}, "valid_from"),
    ({"quantity": "0"}, "quantity"),
])
def test_coupon_form_refuses_invalid_definitions(db, clock, overrides, field):
    form = CouponForm(_form_data(clock.now(), **overrides))
    assert not form.is_valid()
    assert field in form.errors


def test_claim_close_before_open_is_refused(db, clock):
    now = clock.now()
    form = CouponForm(_form_data(now, claim_closes_at=timezone.localtime(now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")))
    assert not form.is_valid() and "claim_closes_at" in form.errors


def test_valid_threshold_and_percent_coupons(db, clock):
    assert CouponForm(_form_data(clock.now(), kind="threshold", value="30", min_spend="199")).is_valid()
    form = CouponForm(_form_data(clock.now(), kind="percent", off_percent="79"))
    assert form.is_valid(), form.errors
    assert form.save(commit=False).headline == "21% off"


def test_claim_status_follows_the_clock(make_coupon, clock):
    coupon = make_coupon(claim_opens_at=clock.now() + timedelta(hours=1), claim_closes_at=clock.now() + timedelta(hours=2))
    assert coupon.claim_status_at(clock.now()) == "not_started"
    assert coupon.claim_status_at(clock.now() + timedelta(hours=1)) == "claiming"
    assert coupon.claim_status_at(clock.now() + timedelta(hours=2)) == "ended"


def test_claim_gives_a_code_and_validity(user, make_coupon, clock):
    coupon = make_coupon(valid_days=7)
    claimed = claim(user=user, coupon_id=coupon.pk, now=clock.now())
    coupon.refresh_from_db()
    assert coupon.claimed == 1 and len(claimed.code) == 12
    assert claimed.valid_from == clock.now() and claimed.valid_until == clock.now() + timedelta(days=7)


def test_claim_refusals(user, other_user, make_coupon, clock):
    later = make_coupon(claim_opens_at=clock.now() + timedelta(hours=1))
    with pytest.raises(ClaimRefused, match="not started"):
        claim(user=user, coupon_id=later.pk, now=clock.now())
    ended = make_coupon(claim_closes_at=clock.now() - timedelta(seconds=1))
    with pytest.raises(ClaimRefused, match="ended"):
        claim(user=user, coupon_id=ended.pk, now=clock.now())
    single = make_coupon(quantity=1)
    claim(user=user, coupon_id=single.pk, now=clock.now())
    with pytest.raises(ClaimRefused, match="already claimed"):
        claim(user=user, coupon_id=single.pk, now=clock.now())
    with pytest.raises(ClaimRefused, match="None left"):
        claim(user=other_user, coupon_id=single.pk, now=clock.now())
    single.refresh_from_db()
    assert single.claimed == 1


def test_per_user_limit_above_one(user, make_coupon, clock):
    coupon = make_coupon(per_user_limit=2)
    claim(user=user, coupon_id=coupon.pk, now=clock.now())
    claim(user=user, coupon_id=coupon.pk, now=clock.now())
    with pytest.raises(ClaimRefused):
        claim(user=user, coupon_id=coupon.pk, now=clock.now())


def test_deleted_coupon_cannot_be_claimed(user, operator, make_coupon, clock):
    coupon = make_coupon()
    coupon_delete(coupon_id=coupon.pk, actor=operator, now=clock.now())
    with pytest.raises(ClaimRefused):
        claim(user=user, coupon_id=coupon.pk, now=clock.now())


def test_expired_coupons_are_never_usable_even_before_the_sweeper(user, make_coupon, give_coupon, clock):
    claimed = give_coupon(user, make_coupon(valid_days=1))
    clock.advance(timedelta(days=1))
    claimed.refresh_from_db()
    assert claimed.status == "unused" and not claimed.is_usable(clock.now())
    with pytest.raises(DomainError):
        mark_used([claimed.pk], order_ref="order:X", now=clock.now())
    assert expire_due(now=clock.now()) == 1
    claimed.refresh_from_db()
    assert claimed.status == "expired"


def test_mark_used_twice_is_refused_and_release_returns(user, make_coupon, give_coupon, clock):
    claimed = give_coupon(user, make_coupon())
    mark_used([claimed.pk], order_ref="order:A", now=clock.now())
    with pytest.raises(DomainError):
        mark_used([claimed.pk], order_ref="order:B", now=clock.now())
    release([claimed.pk], now=clock.now())
    claimed.refresh_from_db()
    assert claimed.status == "unused" and claimed.order_ref == ""


def test_edit_moves_jobs_and_is_refused_after_claiming_starts(operator, make_coupon, clock,
                                                             django_capture_on_commit_callbacks):
    coupon = make_coupon(claim_opens_at=clock.now() + timedelta(hours=1), claim_closes_at=clock.now() + timedelta(hours=5),
                         status="not_started")
    with django_capture_on_commit_callbacks(execute=True):
        coupon_save(coupon=coupon, actor=operator, now=clock.now())
    job = Schedule.objects.get(name=f"coupon:{coupon.pk}:open")
    first = job.next_run
    coupon.claim_opens_at += timedelta(hours=2)
    coupon.claim_closes_at += timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        coupon_save(coupon=coupon, actor=operator, now=clock.now())
    moved = Schedule.objects.get(name=f"coupon:{coupon.pk}:open").next_run
    assert abs((moved - first).total_seconds() - 7200) < 5
    clock.advance(timedelta(hours=3))
    with pytest.raises(DomainError, match="no longer be edited"):
        coupon_save(coupon=coupon, actor=operator, now=clock.now())
    with django_capture_on_commit_callbacks(execute=True):
        coupon_delete(coupon_id=coupon.pk, actor=operator, now=clock.now())
    assert not Schedule.objects.filter(name__startswith=f"coupon:{coupon.pk}:").exists()


def test_open_and_close_via_jobs_with_moved_clock(operator, make_coupon, clock, django_capture_on_commit_callbacks):
    from django.utils import timezone
    from django_q.brokers import get_broker
    from django_q.scheduler import scheduler

    coupon = make_coupon(claim_opens_at=clock.now() + timedelta(hours=1), claim_closes_at=clock.now() + timedelta(hours=2),
                         status="not_started")
    with django_capture_on_commit_callbacks(execute=True):
        coupon_save(coupon=coupon, actor=operator, now=clock.now())
    clock.advance(timedelta(hours=1, seconds=1))
    Schedule.objects.filter(name=f"coupon:{coupon.pk}:open").update(next_run=timezone.now() - timedelta(seconds=1))
    scheduler(broker=get_broker())
    coupon.refresh_from_db()
    assert coupon.status == "claiming"
    clock.advance(timedelta(hours=1))
    Schedule.objects.filter(name=f"coupon:{coupon.pk}:close").update(next_run=timezone.now() - timedelta(seconds=1))
    scheduler(broker=get_broker())
    coupon.refresh_from_db()
    assert coupon.status == "ended"


def test_sweeper_opens_and_closes_when_jobs_are_lost(make_coupon, clock):
    coupon = make_coupon(claim_opens_at=clock.now() + timedelta(hours=1), claim_closes_at=clock.now() + timedelta(hours=2),
                         status="not_started")
    Schedule.objects.filter(name__startswith="coupon:").delete()
    clock.advance(timedelta(hours=1))
    apply_due(clock.now())
    coupon.refresh_from_db()
    assert coupon.status == "claiming"
    clock.advance(timedelta(hours=1))
    apply_due(clock.now())
    coupon.refresh_from_db()
    assert coupon.status == "ended"


def _claim_race(run_concurrently, make_user, coupon, users, attempts):
    """``attempts`` threads over ``users`` shoppers: the first ``attempts - users`` claim twice at once."""
    shoppers = [make_user(f"racer{coupon.pk}-{i}") for i in range(users)]
    jobs = [shoppers[i % users] for i in range(attempts)]

    def attempt(i):
        from shop.core import clock as clk

        return claim(user=jobs[i], coupon_id=coupon.pk, now=clk.now())

    results, errors = run_concurrently(attempt, len(jobs))
    unexpected = [e for e in errors if e is not None and not isinstance(e, ClaimRefused)]
    assert not unexpected, unexpected[:3]
    return [r for r in results if r is not None]


def test_concurrent_claims_respect_quantity_and_limit(run_concurrently, make_user, make_coupon):
    coupon = make_coupon(quantity=5)
    granted = _claim_race(run_concurrently, make_user, coupon, users=8, attempts=16)
    coupon.refresh_from_db()
    assert len(granted) == 5 == coupon.claimed == ClaimedCoupon.objects.filter(coupon=coupon).count()
    assert len({c.user_id for c in granted}) == 5


@pytest.mark.postgres
def test_flash_claim_200_threads_quantity_50(run_concurrently, make_user, make_coupon):
    coupon = make_coupon(quantity=50)
    granted = _claim_race(run_concurrently, make_user, coupon, users=150, attempts=200)
    coupon.refresh_from_db()
    assert len(granted) == 50 == coupon.claimed
    assert ClaimedCoupon.objects.filter(coupon=coupon).count() == 50
    per_user = ClaimedCoupon.objects.values("user", "coupon").annotate(n=Sum(1))
    assert all(row["n"] == 1 for row in per_user)


# --- pages -----------------------------------------------------------------------------------
def test_centre_lists_opened_coupons_and_claims_in_place(shopper_client, make_coupon, clock):
    open_one = make_coupon(name="Open one", quantity=3)
    make_coupon(name="Future one", claim_opens_at=clock.now() + timedelta(days=1))
    page = shopper_client.get(reverse("coupons:centre")).content.decode()
    assert "Open one" in page and "Future one" not in page and "3 left" in page
    card = shopper_client.post(reverse("coupons:claim", args=[open_one.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert card.lstrip().startswith(f'<article id="coupon-{open_one.pk}"') and "2 left" in card and "Claimed" in card
    again = shopper_client.post(reverse("coupons:claim", args=[open_one.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "already claimed" in again


def test_centre_claim_needs_login(client, make_coupon):
    coupon = make_coupon()
    card = client.post(reverse("coupons:claim", args=[coupon.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "Log in to claim" in card
    assert client.post(reverse("coupons:claim", args=[coupon.pk])).status_code == 302
    assert client.post(reverse("coupons:claim", args=[99999])).status_code == 404


def test_centre_query_count_is_constant(client, make_coupon, django_assert_max_num_queries, make_product):
    for i in range(12):
        make_coupon(name=f"c{i}", scope="product" if i % 2 else "global", product=make_product() if i % 2 else None)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("coupons:centre")).status_code == 200


def test_my_coupons_tabs(shopper_client, user, make_coupon, give_coupon, clock):
    unused = give_coupon(user, make_coupon(name="Fresh"))
    used = give_coupon(user, make_coupon(name="Spent"))
    mark_used([used.pk], order_ref="order:B1", now=clock.now())
    give_coupon(user, make_coupon(name="Old", valid_days=None, valid_from=clock.now() - timedelta(days=2),
                                  valid_until=clock.now() - timedelta(days=1)))
    url = reverse("coupons:mine")
    assert "Fresh" in shopper_client.get(url).content.decode()
    used_tab = shopper_client.get(url + "?tab=used", HTTP_HX_REQUEST="true").content.decode()
    assert used_tab.lstrip().startswith('<section id="my-coupons"') and "Spent" in used_tab and "B1" in used_tab
    assert "Old" in shopper_client.get(url + "?tab=expired").content.decode()
    assert unused.code not in shopper_client.get(url + "?tab=expired").content.decode()
    assert shopper_client.get(url + "?tab=bogus").status_code == 200


# --- backoffice ------------------------------------------------------------------------------
def test_backoffice_create_edit_delete_coupon(operator_client, clock):
    response = operator_client.post(reverse("backoffice:coupons:new"), _form_data(clock.now()))
    assert response.status_code == 302
    coupon = Coupon.objects.get(name="Spring")
    assert Schedule.objects.filter(name=f"coupon:{coupon.pk}:open").exists() is False  # on_commit in tests
    edit = operator_client.post(reverse("backoffice:coupons:edit", args=[coupon.pk]), _form_data(clock.now(), name="Spring 2"))
    assert edit.status_code == 302
    coupon.refresh_from_db()
    assert coupon.name == "Spring 2"
    bad = operator_client.post(reverse("backoffice:coupons:new"), _form_data(clock.now(), value="0"))
    assert bad.status_code == 200 and "Enter a value greater than zero." in bad.content.decode()
    confirm = operator_client.get(reverse("backoffice:coupons:delete", args=[coupon.pk]))
    assert "Delete" in confirm.content.decode()
    operator_client.post(reverse("backoffice:coupons:delete", args=[coupon.pk]))
    coupon.refresh_from_db()
    assert coupon.is_deleted


def test_backoffice_refuses_edit_after_claiming_started(operator_client, make_coupon):
    coupon = make_coupon()
    response = operator_client.get(reverse("backoffice:coupons:edit", args=[coupon.pk]))
    assert response.status_code == 302


def test_backoffice_table_filters_and_constant_queries(operator_client, make_coupon, clock,
                                                      django_assert_max_num_queries, user, give_coupon):
    for i in range(10):
        make_coupon(name=f"now{i}")
    later = make_coupon(name="later", claim_opens_at=clock.now() + timedelta(days=1))
    give_coupon(user, later) if False else None
    with django_assert_max_num_queries(12):
        page = operator_client.get(reverse("backoffice:coupons:list")).content.decode()
    assert "now3" in page and "100/100" in page
    filtered = operator_client.get(reverse("backoffice:coupons:list") + "?status=not_started", HTTP_HX_REQUEST="true")
    assert "later" in filtered.content.decode() and "now3" not in filtered.content.decode()
    detail = operator_client.get(reverse("backoffice:coupons:detail", args=[later.pk]))
    assert detail.status_code == 200


def test_backoffice_coupons_forbidden_for_shoppers(shopper_client):
    assert shopper_client.get(reverse("backoffice:coupons:list")).status_code == 403


def test_headlines(make_coupon):
    assert make_coupon(kind="flat", value="20").headline == "¥20 off"
    assert make_coupon(kind="threshold", value="30", min_spend=Decimal("199")).headline == "¥30 off orders over ¥199"
    assert make_coupon(kind="percent", value="0", off_percent=79).headline == "21% off"
