"""The demo campaigns of SPEC §11, loaded twice (idempotent), and playable by alice at once."""

from datetime import timedelta

from django_q.models import Schedule

from shop.accounts import demo as accounts_demo
from shop.accounts.models import User
from shop.coupons import demo as coupons_demo
from shop.lottery import demo, services
from shop.lottery.models import Campaign, CodePool, Prize


def test_demo_campaigns(db, clock, django_capture_on_commit_callbacks):
    now = clock.now()
    accounts_demo.seed(now=now)
    coupons_demo.seed(now=now)
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed(now=now)
        demo.seed(now=now)  # idempotent
    lottery = Campaign.objects.get(title=demo.LOTTERY)
    assert lottery.state_at(now) == "online" and lottery.free_chances > 0 and lottery.draw_cost > 0
    grants = set(lottery.prizes.values_list("grant", flat=True))
    assert grants == {"physical", "credits", "code", "coupon"}
    assert lottery.prizes.filter(is_default=True).count() == 1
    assert Campaign.objects.get(title=demo.EXCHANGE).prizes.exclude(price=None).count() == 3
    later = Campaign.objects.get(title=demo.LATER)
    assert later.state_at(now) == "scheduled" and later.state_at(now + timedelta(days=3, minutes=1)) == "online"
    assert Schedule.objects.filter(name=f"campaign:{later.pk}:open").exists()
    assert CodePool.objects.get(name=demo.GIFT_POOL).members_gift
    assert Prize.objects.count() == 5 + 3 + 2

    alice = User.objects.get(username="alice")
    first = services.draw(user=alice, campaign_id=lottery.pk, now=now)
    assert first.free and first.outcome in ("won", "consolation")
    assert services.take_gift_code(user=alice, pool_id=CodePool.objects.get(name=demo.GIFT_POOL).pk, now=now)


def test_demo_reset_removes_the_campaigns(db, clock):
    now = clock.now()
    accounts_demo.seed(now=now)
    demo.seed(now=now)
    alice = User.objects.get(username="alice")
    assert services.draw(user=alice, campaign_id=Campaign.objects.get(title=demo.LOTTERY).pk, now=now).pk
    demo.reset()
    assert not Campaign.objects.exists() and not CodePool.objects.exists()
