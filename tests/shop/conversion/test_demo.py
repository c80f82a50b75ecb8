from decimal import Decimal

from shop.accounts import demo as accounts_demo
from shop.accounts.models import User
from shop.conversion import demo, services
from shop.conversion.models import ConversionSettings


def test_demo_lets_alice_convert_now(db, clock):
    now = clock.now()
    accounts_demo.seed(now=now)
    assert demo.seed(now=now) == "conversion settings created"
    assert demo.seed(now=now) == "conversion settings kept"
    row = ConversionSettings.objects.get()
    assert (row.rate, row.loss_percent, row.min_gems, row.monthly_quota) == (
        Decimal("0.1000"), Decimal("5.00"), Decimal("100.00"), Decimal("5000.00"))
    alice = User.objects.get(username="alice")
    assert not [r for r in services.blocking_rules(alice, now, Decimal("300")) if r.blocks]
    assert services.convert(user=alice, gems=Decimal("300"), now=now).credited == Decimal("28.50")
    demo.reset()
    accounts_demo.reset()  # the demo users can go after the conversions are gone
    assert not ConversionSettings.objects.exists() and not User.objects.filter(username="alice").exists()
