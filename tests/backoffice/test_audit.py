"""The audit log reads as a diff (changed fields only, local times, the money format), not raw JSON;
every backoffice date-time is in the site's time zone (Asia/Shanghai: UTC + 8)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from backoffice.audit.diff import changes_of
from shop.core import audit, clock
from shop.core.models import AuditLog
from shop.coupons.models import Coupon
from shop.coupons.services import coupon_save

pytestmark = pytest.mark.django_db

# A known instant: 2031-03-04 22:30 UTC is 2031-03-05 06:30 in Shanghai (the next day).
INSTANT = datetime(2031, 3, 4, 22, 30, tzinfo=UTC)


@pytest.fixture
def audit_page(client, operator):
    client.force_login(operator)

    def get(**params):
        response = client.get("/backoffice/audit/", params)
        assert response.status_code == 200
        return response.content.decode()

    return get


def test_site_time_zone_is_shanghai(settings):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert timezone.localtime(INSTANT).strftime("%Y-%m-%d %H:%M") == "2031-03-05 06:30"


def test_coupon_edit_shows_changed_fields_in_local_time_and_money_format(audit_page, operator, make_coupon):
    now = clock.now()
    coupon = make_coupon(kind="threshold", value="30", min_spend=Decimal("199"), claim_opens_at=now + timedelta(days=400),
                         claim_closes_at=INSTANT + timedelta(days=10), status="not_started")
    edited = Coupon.objects.get(pk=coupon.pk)
    edited.claim_opens_at, edited.min_spend = INSTANT, Decimal("12800")
    coupon_save(coupon=edited, actor=operator, now=now)

    entry = AuditLog.objects.get(action="coupon.update")
    shown = {c.label: (c.old, c.new) for c in changes_of(entry)}
    assert shown["Minimum spend"] == ("¥199.00", "¥12,800.00")
    assert shown["Claim opens"][1] == "2031-03-05 06:30"  # not 22:30 of the 4th (UTC)
    assert len(shown) == 2  # only what changed: not the name, the value, the quantity…

    body = audit_page()
    assert "2031-03-05 06:30" in body and "2031-03-04 22:30" not in body
    assert "¥12,800.00" in body
    assert "&quot;claim_opens_at&quot;" not in body and '"claim_opens_at"' not in body  # no raw JSON


def test_entry_time_column_is_local(audit_page, operator, make_coupon):
    coupon = make_coupon()
    AuditLog.objects.create(actor=operator, action="coupon.delete", target_type="coupons.coupon",
                            target_id=str(coupon.pk), target_repr=coupon.name, before={"is_deleted": False},
                            after={"is_deleted": True}, created_at=INSTANT)
    body = audit_page()
    assert "2031-03-05 06:30:00" in body and "2031-03-04 22:30" not in body


def test_diff_of_wallet_grant_uses_money_and_credits(operator, user):
    entry = AuditLog(actor=operator, action="wallet.grant", target_type="wallet.wallet", target_id="1",
                     target_repr="wallet", before={"gem": "1000.00"}, after={"gem": "1200.00", "txn_no": "T1"})
    assert [(c.label, c.old, c.new) for c in changes_of(entry)] == [("Gems", "1,000", "1,200"), ("Txn no", "—", "T1")]
    entry.before, entry.after = {"balance": "0.00"}, {"balance": "12800.00"}
    assert [(c.old, c.new) for c in changes_of(entry)] == [("¥0.00", "¥12,800.00")]


def test_diff_of_order_status_shows_labels(operator):
    entry = AuditLog(action="order.refund_reject", target_type="orders.order", target_id="1", target_repr="B1",
                     before={"status": "refund_requested"}, after={"status": "paid", "note": "Used already"})
    shown = [(c.label, c.old, c.new) for c in changes_of(entry)]
    assert shown[0][1:] == ("Refund requested", "Paid")
    assert shown[1] == ("Note", "—", "Used already")


def test_diff_of_product_policies_by_row(operator):
    before = {"title": "Python", "policies": [{"id": 1, "label": "1 month", "price": "100.00", "days": 30},
                                              {"id": 2, "label": "1 year", "price": "900.00", "days": 365}]}
    after = {"title": "Python", "policies": [{"id": 1, "label": "1 month", "price": "120.00", "days": 30},
                                             {"id": 3, "label": "3 months", "price": "280.00", "days": 90}]}
    entry = AuditLog(action="product.update", target_type="catalog.product", target_id="1", target_repr="Python",
                     before=before, after=after)
    (policies,) = changes_of(entry)
    rows = {c.label: c for c in policies.children}
    assert [(c.label, c.old, c.new) for c in rows["1 month"].children] == [("Price", "¥100.00", "¥120.00")]
    assert "1 year removed" in rows and "3 months added" in rows


def test_creation_lists_what_was_set_and_snapshot_times_are_localised(operator, make_coupon):
    coupon = make_coupon(claim_opens_at=INSTANT, claim_closes_at=INSTANT + timedelta(days=1))
    entry = audit.record(actor=operator, action="coupon.create", target=coupon, before=None,
                         after=audit.snapshot(coupon, ["name", "claim_opens_at", "valid_from"]))
    shown = [(c.old, c.new) for c in changes_of(entry)]
    assert ("—", "2031-03-05 06:30") in shown
    assert all(new != "—" for _, new in shown)  # empty fields of a new coupon are not "changes"


def test_heartbeat_is_named_in_local_time():
    from shop.scheduling.models import Heartbeat

    assert str(Heartbeat(name="sweeper", at=INSTANT)) == "sweeper @ 2031-03-05 06:30:00"


def test_coupon_list_window_is_local(client, operator, make_coupon):
    make_coupon(name="Spring", claim_opens_at=INSTANT, claim_closes_at=INSTANT + timedelta(hours=1))
    client.force_login(operator)
    body = client.get("/backoffice/coupons/").content.decode()
    assert "2031-03-05 06:30" in body and "2031-03-05 07:30" in body and "22:30" not in body


def test_diff_of_mentor_shows_the_name_and_coupon_product_its_id():
    entry = AuditLog(action="enrollment.mentor", target_type="orders.enrollment", target_id="1", target_repr="e",
                     before={"mentor": None}, after={"mentor": "mira"})
    assert [(c.old, c.new) for c in changes_of(entry)] == [("—", "mira")]
    entry = AuditLog(action="coupon.update", target_type="coupons.coupon", target_id="1", target_repr="c",
                     before={"product": 3}, after={"product": 4})
    assert [(c.old, c.new) for c in changes_of(entry)] == [("#3", "#4")]


def test_diff_of_rates_percentages_and_credit_prices_is_not_money(operator):
    entry = AuditLog(action="conversion.settings", target_type="conversion.conversionsettings", target_id="1",
                     target_repr="settings", before={"rate": "0.1234", "loss_percent": "5.00", "min_gems": "100.00"},
                     after={"rate": "0.1230", "loss_percent": "7.50", "min_gems": "150.00"})
    assert [(c.old, c.new) for c in changes_of(entry)] == [("0.1234", "0.1230"), ("5.00", "7.50"), ("100", "150")]
    prize = AuditLog(action="prize.save", target_type="lottery.prize", target_id="1", target_repr="Mug",
                     before={"price": "20.00", "amount": "1.50"}, after={"price": "25.00", "amount": "2.00"})
    assert [(c.old, c.new) for c in changes_of(prize)] == [("20", "25"), ("1.50", "2.00")]
