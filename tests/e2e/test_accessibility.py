"""No serious or critical axe-core violations on any page a shopper or operator reaches.

One test per visitor (logged out, shopper, new shopper, operator, and the main pages in zh-Hans)
and width (1280 px desktop, 375 px phone) builds the data once; each page is a subtest: one page
load, then the checks: status, no redirect, no failed (5xx) request, the page's language, no
sideways scrolling (WCAG 1.4.10 reflow), and one ``axe.run``. axe-core is the vendored
``vendor/axe.min.js`` (MPL-2.0), injected by Playwright, never served by the shop. A failure lists
each violation's rule id, the selectors of the offending elements and axe's help text and link.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
FAILING_IMPACTS = {"serious", "critical"}
WIDTHS = {"desktop": (1280, 900), "phone": (375, 800)}


@dataclass
class Scene:
    """Demo-like data: the demo users/courses/coupons plus orders in every state, a cart, claimed
    coupons, a notification, an address and an audit entry. ``paths`` maps a name to a URL path."""

    users: dict = field(default_factory=dict)
    paths: dict = field(default_factory=dict)


def _place_and_pay(user, products, *, paid: bool, now, global_coupon=None):
    from shop.cart.models import Cart
    from shop.cart.services import add
    from shop.checkout.services import Choices, place_order, settle
    from shop.payments.gateways.base import PaymentRequest
    from shop.payments.gateways.sandbox import SandboxGateway
    from shop.payments.services import handle_notification

    cart, _ = Cart.objects.get_or_create(user=user)
    ids = [add(cart, p, p.policies.first().pk).pk for p in products]
    choices = Choices(global_coupon=global_coupon)
    quote = settle(user, ids, choices, now=now).quote
    order = place_order(user, ids, choices, shown_payable=quote.payable, now=now)
    if paid:
        request = PaymentRequest(order.number, order.payable, "s", "/r", "/n")
        handle_notification("sandbox", SandboxGateway().build_notification(request, paid=True))
        order.refresh_from_db()
    return order


LONG_TITLE = "Members' midsummer lucky draw, a title as long as a campaign's may be (80 chars)"


def _campaign_scene(*, alice, operator, now) -> dict:
    """The demo campaigns (a lottery, an exchange, a teaser, code pools, conversion terms) plus
    prize orders of alice in every status, draws for the log and a members-only lottery with a
    long title where alice's next draw wins nothing (its one prize may be won once)."""
    from shop.lottery import demo
    from shop.lottery.models import Campaign, CodePool, Draw, Prize, PrizeOrder
    from shop.lottery.operations import mark_shipped
    from shop.lottery.services import draw, exchange, submit_details
    from shop.wallet.services import credit

    lottery, swap, teaser = (Campaign.objects.get(title=t) for t in (demo.LOTTERY, demo.EXCHANGE, demo.LATER))
    members = Campaign.objects.create(title=LONG_TITLE, kind="lottery", status="online", members_only=True,
                                      starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=7),
                                      free_chances=5, draw_cost=Decimal("10"),
                                      description="For members only: one sticker each, while they last.")
    Prize.objects.create(campaign=members, title="Bazaar sticker", grant="physical", weight=1, stock_left=100,
                         win_limit=1)
    credit(user=alice, asset="gem", amount=Decimal("1000"), memo="a11y scene")
    draw(user=alice, campaign_id=lottery.pk, now=now)
    draw(user=alice, campaign_id=lottery.pk, now=now)
    draw(user=alice, campaign_id=members.pk, now=now)  # the sticker: the next draw wins nothing
    mug = Prize.objects.get(campaign=swap, title="Bazaar mug")
    gold = Prize.objects.get(campaign=swap, title="30 gold")
    to_claim, claimed, shipped = (exchange(user=alice, prize_id=mug.pk, now=now) for _ in range(3))
    fulfilled = exchange(user=alice, prize_id=gold.pk, now=now)
    for order in (claimed, shipped):
        submit_details(user=alice, number=order.number, recipient="Alice Liu", id_card="11010519491231002X",
                       phone="13800000001", address="1 Century Avenue, Pudong, Shanghai", now=now)
    mark_shipped(order_number=shipped.number, carrier="SF Express", tracking_no="SF1234567890", actor=operator,
                 now=now)
    coded = PrizeOrder.objects.filter(user=alice, code__isnull=False).first()
    pool = CodePool.objects.get(name=demo.PRIZE_POOL)
    first_draw = Draw.objects.filter(campaign=lottery).order_by("pk").first()
    return {
        "lotteries": "/lotteries/",
        "lottery": f"/lotteries/{lottery.pk}/",
        "lottery-exchange": f"/lotteries/{swap.pk}/",
        "lottery-teaser": f"/lotteries/{teaser.pk}/",
        "lottery-members": f"/lotteries/{members.pk}/",  # bob: refused (not a member)
        "lottery-no-prize": f"/lotteries/{members.pk}/",  # alice presses Draw: see check_page()
        "my-prizes": "/me/prizes/",
        "prize-to-claim": f"/me/prizes/{to_claim.number}/",
        "prize-claimed": f"/me/prizes/{claimed.number}/",
        "prize-shipped": f"/me/prizes/{shipped.number}/",
        "prize-fulfilled": f"/me/prizes/{(coded or fulfilled).number}/",
        "convert": "/me/wallet/convert/",
        "bo-campaigns": "/backoffice/campaigns/",
        "bo-campaign": f"/backoffice/campaigns/{lottery.pk}/",
        "bo-campaign-exchange": f"/backoffice/campaigns/{swap.pk}/",
        "bo-campaign-new": "/backoffice/campaigns/new/",
        "bo-campaign-edit": f"/backoffice/campaigns/{lottery.pk}/edit/",
        "bo-pools": "/backoffice/campaigns/codes/",
        "bo-pool": f"/backoffice/campaigns/codes/{pool.pk}/",
        "bo-pool-new": "/backoffice/campaigns/codes/new/",
        "bo-pool-edit": f"/backoffice/campaigns/codes/{pool.pk}/edit/",
        "bo-prize-orders": "/backoffice/campaigns/orders/",
        "bo-prize-orders-to-ship": "/backoffice/campaigns/orders/?status=to_ship",
        "bo-ship": f"/backoffice/campaigns/orders/{claimed.number}/ship/",
        "bo-ship-shipped": f"/backoffice/campaigns/orders/{shipped.number}/ship/",
        "bo-draws": "/backoffice/campaigns/draws/",
        "bo-replay": f"/backoffice/campaigns/draws/{first_draw.pk}/",
        "bo-conversion": "/backoffice/campaigns/conversion/",
    }


def _auction_scene(*, alice, bob, now) -> dict:
    """A live session (session deposit, a lot with its own deposit, alice outbid by bob's
    automatic bid, comments in a paid colour), one in preview, and an ended one whose lot alice
    won and has still to pay."""
    from shop.auctions import services as auctions
    from shop.auctions import settlement
    from shop.auctions.models import AuctionSession, BannedWord, CommentColour, LotResult
    from shop.wallet.services import credit

    for user in (alice, bob):
        credit(user=user, asset="balance", amount=Decimal("2000"), memo="auction scene")
        credit(user=user, asset="gem", amount=Decimal("50"), memo="auction scene")
    hour = timedelta(hours=1)

    def session(title, starts, **fields):
        return AuctionSession.objects.create(title=title, preview_starts_at=starts - 24 * hour,
                                             preview_ends_at=starts, starts_at=starts, ends_at=starts + 3 * hour,
                                             **fields)

    live = session("Spring tea auction: aged pu-erh cakes and rare oolongs from private cellars", now - hour,
                   deposit=Decimal("200"), description="Forty years of tea, one evening.")
    cake = auctions.new_lot(live, title="2006 Menghai 7542 raw pu-erh cake", start_price=Decimal("800"),
                            increment=Decimal("50"), reference_low=Decimal("1000"), reference_high=Decimal("1500"))
    auctions.new_lot(live, title="Da Hong Pao 1998", start_price=Decimal("300"), increment=Decimal("20"),
                     deposit=Decimal("50"))
    colour = CommentColour.objects.create(name="Scene rose", css="#d63384", asset="gem", price=Decimal("5"))
    BannedWord.objects.get_or_create(word="scam")
    for user in (alice, bob):
        auctions.pay_deposit(user=user, session=live, online=False, now=now)
    auctions.place_bid(user=alice, lot_id=cake.pk, amount="800", now=now)
    auctions.place_bid(user=bob, lot_id=cake.pk, amount="850", maximum="1200", now=now)
    auctions.post_comment(user=bob, lot_id=cake.pk, text="What a cake!", colour_id=colour.pk, now=now)
    auctions.post_comment(user=alice, lot_id=cake.pk, text="Worth every scam coin", now=now)
    upcoming = session("Autumn porcelain", now + 24 * hour)
    preview_lot = auctions.new_lot(upcoming, title="Blue-and-white bowl", start_price=Decimal("500"),
                                   increment=Decimal("50"))
    ended = session("Winter ink", now - 6 * hour, deposit=Decimal("100"))
    ink = auctions.new_lot(ended, title="Hui ink stick, Qing dynasty", start_price=Decimal("200"),
                           increment=Decimal("10"))
    auctions.pay_deposit(user=alice, session=ended, online=False, now=now - 5 * hour)
    auctions.place_bid(user=alice, lot_id=ink.pk, amount="260", now=now - 5 * hour)
    settlement.settle_lot(ink.pk, now=now)
    won = LotResult.objects.get(lot=ink).order
    return {
        "auctions": "/auctions/",
        "auctions-upcoming": "/auctions/?tab=upcoming",
        "auctions-ended": "/auctions/?tab=ended",
        "auction-session": live.get_absolute_url(),
        "auction-session-upcoming": upcoming.get_absolute_url(),
        "auction-lot": cake.get_absolute_url(),
        "auction-lot-preview": preview_lot.get_absolute_url(),
        "auction-lot-ended": ink.get_absolute_url(),
        "my-auctions": "/me/auctions/?tab=pay",
        "my-auctions-bids": "/me/auctions/?tab=bids",
        "my-auctions-won": "/me/auctions/?tab=won",
        "my-auctions-deposits": "/me/auctions/?tab=deposits",
        "auction-pay": f"/me/auctions/orders/{won.number}/pay/",
        "auction-order": won.get_absolute_url(),
        "bo-auctions": "/backoffice/auctions/",
        "bo-auction": f"/backoffice/auctions/{live.pk}/",
        "bo-auction-new": "/backoffice/auctions/new/",
        "bo-auction-edit": f"/backoffice/auctions/{upcoming.pk}/edit/",
        "bo-auction-edit-live": f"/backoffice/auctions/{live.pk}/edit/",
        "bo-auction-delete": f"/backoffice/auctions/{upcoming.pk}/delete/",
        "bo-auction-lot": f"/backoffice/auctions/lots/{cake.pk}/",
        "bo-auction-lot-sold": f"/backoffice/auctions/lots/{ink.pk}/",
        "bo-auction-lot-new": f"/backoffice/auctions/{upcoming.pk}/lots/new/",
        "bo-auction-lot-edit": f"/backoffice/auctions/lots/{preview_lot.pk}/edit/",
        "bo-auction-colours": "/backoffice/auctions/colours/",
        "bo-auction-colour-new": "/backoffice/auctions/colours/new/",
        "bo-auction-words": "/backoffice/auctions/words/",
    }


def _gift_scene(*, alice, bob, now) -> dict:
    """The demo's full-3 draw (alice gives, bob joined), a drawn one with its fairness section, a
    direct gift bob received (his address form), a timed one with a countdown."""
    from shop.accounts.models import User
    from shop.gifts import services as gifts
    from shop.gifts.models import GiftDraw, GiftHolding

    holding = GiftHolding.objects.get(user=alice)
    GiftHolding.objects.filter(pk=holding.pk).update(bought=holding.bought + 6, available=holding.available + 6)
    open_draw = GiftDraw.objects.get(giver=alice)
    carol = User.objects.create_user("carol-gifts", password="x")

    def draw(**terms):
        return gifts.create_draw(user=alice, product_id=holding.product_id, wish="Tea for my friends — enjoy!",
                                 now=now, **terms)

    drawn = draw(gifts=1, method="full", needed=2)
    gifts.join(draw_id=drawn.pk, user=bob, now=now)
    gifts.join(draw_id=drawn.pk, user=carol, now=now)
    direct = draw(gifts=2, method="direct")
    gifts.join(draw_id=direct.pk, user=bob, now=now)
    timed = draw(gifts=2, method="timed", draws_at=now + timedelta(days=2))
    return {
        "gifts": "/gifts/",
        "gift-new": "/gifts/new/",
        "gift-open": open_draw.get_absolute_url(),
        "gift-drawn": drawn.get_absolute_url(),
        "gift-direct": direct.get_absolute_url(),
        "gift-timed": timed.get_absolute_url(),
        "my-gifts": "/me/gifts/",
        "my-gifts-given": "/me/gifts/?tab=given",
        "my-gifts-joined": "/me/gifts/?tab=joined",
    }


@pytest.fixture
def scene(db) -> Scene:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from shop.accounts.models import Address, User
    from shop.cart.models import Cart
    from shop.cart.services import add
    from shop.catalog.models import Product
    from shop.core import audit, clock
    from shop.coupons.models import Coupon
    from shop.coupons.services import claim
    from shop.notifications.services import notify
    from shop.orders.models import Enrollment
    from shop.orders.services import request_refund
    from shop.payments.services import start_payment
    from shop.wallet.services import wallet_of

    call_command("seed_demo", verbosity=0)
    now = clock.now()
    alice, bob, operator = (User.objects.get(username=u) for u in ("alice", "bob", "operator"))
    course = {p.slug: p for p in Product.objects.all()}

    claimed = {c.name: claim(user=alice, coupon_id=c.pk, now=now) for c in Coupon.objects.filter(status="claiming")}
    lapsed = Coupon.objects.create(name="Spring ¥10 off", kind="flat", value=Decimal("10"), quantity=10,
                                   claim_opens_at=now - timedelta(days=10), claim_closes_at=now + timedelta(days=1),
                                   valid_days=1, status="claiming")
    claim(user=alice, coupon_id=lapsed.pk, now=now - timedelta(days=5))  # for the "Expired" tab
    pending = _place_and_pay(alice, [course["sql-for-analysts"]], paid=False, now=now)
    paid = _place_and_pay(alice, [course["ux-design-basics"], course["product-management"]], paid=True, now=now,
                          global_coupon=claimed["Weekend 15% off"].pk)  # for the "Used" tab
    refunding = _place_and_pay(alice, [course["machine-learning-intro"]], paid=True, now=now)
    request_refund(refunding.pk, user=alice, reason="Bought it twice by mistake", now=now)
    _place_and_pay(alice, [course["mba-digital-business"]], paid=True, now=now)
    degree = Enrollment.objects.get(user=alice, product=course["mba-digital-business"])
    cart, _ = Cart.objects.get_or_create(user=alice)
    lines = [add(cart, course[slug], course[slug].policies.first().pk)
             for slug in ("python-data-analysis", "django-web-apps")]
    notify(alice, "Your coupon expires soon", "Use “Weekend 15% off” before Sunday.", url="/me/coupons/",
           email=False)
    address = Address.objects.create(user=alice, name="Alice Liu", phone="13800000001",
                                     address="1 Century Avenue, Pudong, Shanghai", is_default=True)
    coupon = Coupon.objects.filter(claims__isnull=False).order_by("pk").first()
    upcoming = Coupon.objects.filter(status="not_started").order_by("pk").first()  # still editable
    audit.record(actor=operator, action="coupon.update", target=coupon,
                 before={"quantity": 400}, after={"quantity": 500})
    cashier = start_payment(pending, gateway_name=None, return_url="/orders/", notify_url="/pay/notify/sandbox/",
                            now=now + timedelta(seconds=1))
    enrollment = Enrollment.objects.filter(user=alice).order_by("pk").first()
    uid, token = urlsafe_base64_encode(force_bytes(alice.pk)), default_token_generator.make_token(alice)
    wallet_of(bob)
    assert Decimal(pending.payable) > 0
    campaigns = _campaign_scene(alice=alice, operator=operator, now=now)
    auctions = _auction_scene(alice=alice, bob=bob, now=now)
    gift_draws = _gift_scene(alice=alice, bob=bob, now=now)

    paths = {
        # storefront
        "home": "/",
        "home-menus-open": "/",  # the phone menu and the account menu opened: see open_menus()
        "products": "/products/",
        "products-search": "/products/?q=python",
        "products-none": "/products/?q=no-such-course",
        "product": course["python-data-analysis"].get_absolute_url(),
        "product-degree": course["mba-digital-business"].get_absolute_url(),
        "cart": "/cart/",
        "checkout": "/checkout/?" + "&".join(f"lines={line.pk}" for line in lines),
        "coupon-centre": "/coupons/",
        "my-coupons-unused": "/me/coupons/?tab=unused",
        "my-coupons-used": "/me/coupons/?tab=used",
        "my-coupons-expired": "/me/coupons/?tab=expired",
        "orders": "/orders/",
        "order-pending": pending.get_absolute_url(),
        "order-paid": paid.get_absolute_url(),
        "order-refund-requested": refunding.get_absolute_url(),
        "my-courses": "/me/courses/",
        "degree-registration": f"/me/courses/{degree.pk}/register/",
        "sandbox-cashier": cashier,
        "wallet": "/me/wallet/",
        "wallet-balance": "/me/wallet/?asset=balance",
        "orders-paid": "/orders/?status=paid",
        "notifications": "/me/notifications/",
        "profile": "/me/profile/",
        "addresses": "/me/addresses/",
        "address-new": "/me/addresses/new/",
        "address-edit": f"/me/addresses/{address.pk}/",
        "password-change": "/accounts/password/change/",
        "password-change-done": "/accounts/password/change/done/",
        # accounts, logged out
        "signup": "/accounts/signup/",
        "login": "/accounts/login/",
        "password-reset": "/accounts/password/reset/",
        "password-reset-sent": "/accounts/password/reset/sent/",
        "password-reset-confirm": f"/accounts/password/reset/{uid}/{token}/",
        "password-reset-complete": "/accounts/password/reset/complete/",
        "not-found": "/no-such-page/",
        "forbidden": "/backoffice/",  # for a shopper
        # backoffice
        "bo-dashboard": "/backoffice/",
        "bo-products": "/backoffice/catalog/",
        "bo-product-new": "/backoffice/catalog/new/",
        "bo-product-edit": f"/backoffice/catalog/{course['python-data-analysis'].pk}/",
        "bo-coupons": "/backoffice/coupons/",
        "bo-coupon-new": "/backoffice/coupons/new/",
        "bo-coupon-detail": f"/backoffice/coupons/{coupon.pk}/",
        "bo-coupon-edit": f"/backoffice/coupons/{upcoming.pk}/edit/",
        "bo-coupon-delete": f"/backoffice/coupons/{upcoming.pk}/delete/",
        "bo-orders": "/backoffice/orders/",
        "bo-order-pending": f"/backoffice/orders/{pending.number}/",
        "bo-order-refund-requested": f"/backoffice/orders/{refunding.number}/",
        "bo-order-paid": f"/backoffice/orders/{paid.number}/",
        "bo-enrollments": "/backoffice/orders/enrollments/",
        "bo-enrollment": f"/backoffice/orders/enrollments/{enrollment.pk}/",
        "bo-enrollment-degree": f"/backoffice/orders/enrollments/{degree.pk}/",
        "bo-wallets": "/backoffice/wallets/",
        "bo-wallet": f"/backoffice/wallets/{alice.pk}/",
        "bo-audit": "/backoffice/audit/",
        "bo-not-found": "/backoffice/orders/NO-SUCH-ORDER/",
        **campaigns,
        **auctions,
        **gift_draws,
    }
    return Scene(users={"shopper": alice, "new-shopper": bob, "operator": operator, "shopper-zh": alice,
                        "operator-zh": operator}, paths=paths)


ANONYMOUS_PAGES = ["home", "home-menus-open", "products", "products-search", "products-none", "product",
                   "product-degree", "cart", "coupon-centre", "signup", "login", "password-reset",
                   "password-reset-sent", "password-reset-confirm", "password-reset-complete", "not-found",
                   "lotteries", "lottery", "lottery-exchange", "auctions", "auction-session", "auction-lot",
                   "auction-lot-preview", "gifts", "gift-open", "gift-timed"]
SHOPPER_PAGES = ["home", "home-menus-open", "products", "product", "product-degree", "cart", "checkout",
                 "coupon-centre", "my-coupons-unused", "my-coupons-used", "my-coupons-expired", "orders",
                 "orders-paid", "order-pending", "order-paid", "order-refund-requested", "my-courses",
                 "degree-registration", "sandbox-cashier", "wallet", "wallet-balance", "notifications", "profile",
                 "addresses", "address-new", "address-edit", "password-change", "password-change-done",
                 "not-found", "forbidden",
                 "lotteries", "lottery", "lottery-exchange", "lottery-teaser", "lottery-no-prize", "my-prizes",
                 "prize-to-claim", "prize-claimed", "prize-shipped", "prize-fulfilled", "convert",
                 "auctions", "auctions-upcoming", "auctions-ended", "auction-session", "auction-session-upcoming",
                 "auction-lot", "auction-lot-preview", "auction-lot-ended", "my-auctions", "my-auctions-bids",
                 "my-auctions-won", "my-auctions-deposits", "auction-pay", "auction-order",
                 "gifts", "gift-new", "gift-open", "gift-drawn", "gift-direct", "gift-timed", "my-gifts",
                 "my-gifts-given", "my-gifts-joined"]
NEW_SHOPPER_PAGES = ["cart", "orders", "my-coupons-unused", "wallet", "notifications", "addresses", "my-courses",
                     "lotteries", "lottery-members", "my-prizes", "convert", "auction-lot", "my-auctions",
                     "gift-new", "gift-open", "gift-drawn", "gift-direct", "my-gifts", "my-gifts-joined"]
OPERATOR_PAGES = ["bo-dashboard", "home-menus-open", "bo-products", "bo-product-new", "bo-product-edit", "bo-coupons",
                  "bo-coupon-new", "bo-coupon-detail", "bo-coupon-edit", "bo-coupon-delete", "bo-orders",
                  "bo-order-pending", "bo-order-refund-requested", "bo-order-paid", "bo-enrollments", "bo-enrollment",
                  "bo-enrollment-degree", "bo-wallets", "bo-wallet", "bo-audit", "bo-not-found",
                  "bo-campaigns", "bo-campaign", "bo-campaign-exchange", "bo-campaign-new", "bo-campaign-edit",
                  "bo-pools", "bo-pool", "bo-pool-new", "bo-pool-edit", "bo-prize-orders", "bo-prize-orders-to-ship",
                  "bo-ship", "bo-ship-shipped", "bo-draws", "bo-replay", "bo-conversion",
                  "bo-auctions", "bo-auction", "bo-auction-new", "bo-auction-edit", "bo-auction-edit-live",
                  "bo-auction-delete", "bo-auction-lot", "bo-auction-lot-sold", "bo-auction-lot-new",
                  "bo-auction-lot-edit", "bo-auction-colours", "bo-auction-colour-new", "bo-auction-words"]

# Chinese labels are shorter or longer than English ones: the main pages once more in zh-Hans
SHOPPER_ZH_PAGES = ["home", "products", "product", "cart", "checkout", "coupon-centre", "my-coupons-unused", "orders",
                    "order-pending", "wallet", "notifications", "addresses", "lotteries", "lottery", "my-prizes",
                    "prize-claimed", "convert", "auctions", "auction-lot", "my-auctions", "auction-pay",
                    "gifts", "gift-new", "gift-drawn", "my-gifts"]
OPERATOR_ZH_PAGES = ["bo-dashboard", "bo-products", "bo-product-edit", "bo-coupons", "bo-coupon-new", "bo-orders",
                     "bo-order-refund-requested", "bo-wallet", "bo-audit", "bo-campaigns", "bo-campaign-edit",
                     "bo-prize-orders", "bo-replay", "bo-conversion", "bo-auctions", "bo-auction-lot",
                     "bo-auction-edit"]
SORTED_LISTS = {"bo-products", "bo-coupons", "bo-orders", "bo-enrollments", "bo-wallets", "bo-audit", "bo-campaigns",
                "bo-pools", "bo-prize-orders", "bo-draws", "bo-auctions", "bo-auction-colours"}
ERROR_PAGES = {"not-found": 404, "bo-not-found": 404, "forbidden": 403}
REDIRECTING_PAGES = {"password-reset-confirm"}  # to its own set-password URL
PAGES = {"anonymous": ANONYMOUS_PAGES, "shopper": SHOPPER_PAGES, "new-shopper": NEW_SHOPPER_PAGES,
         "operator": OPERATOR_PAGES, "shopper-zh": SHOPPER_ZH_PAGES, "operator-zh": OPERATOR_ZH_PAGES}


def _log_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:8]:
            target = " ".join(" >> ".join(t) if isinstance(t, list) else t for t in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ").strip()
            lines.append(f"    {target}\n        {summary[:300]}")
        if len(v["nodes"]) > 8:
            lines.append(f"    … and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


def open_menus(page) -> None:
    """Open what hides content from axe while closed: the collapsed phone menu, the account menu."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        page.locator("#main-nav.show").wait_for()
    if page.locator("#account-menu").count():
        page.locator("#account-menu").click()
        page.locator(".dropdown-menu.show").wait_for()


def run_axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in FAILING_IMPACTS]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("who", PAGES)
def test_pages_have_no_serious_axe_violations(page, live_server, scene, subtests, who, width):
    """One subtest per page (the scene is built once per visitor and width: building it is the
    slow part); each subtest is one page load and one axe run."""
    if who != "anonymous":
        _log_in(page, live_server, scene.users[who])
    w, h = WIDTHS[width]
    page.set_viewport_size({"width": w, "height": h})
    failures: list[str] = []  # fragments loaded by htmx count as part of the page
    page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    page.emulate_media(reduced_motion="reduce")  # no fade-ins half-way through the contrast check
    if who.endswith("-zh"):  # as the footer's language switcher leaves it
        page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "zh-hans", "url": live_server.url}])
    for name in PAGES[who]:
        with subtests.test(msg=name):
            failures.clear()
            check_page(page, live_server, scene.paths[name], who=who, name=name, width=w, failures=failures)


# A short label (a button, a badge, a status) broken over two lines reads as two words, and in
# Chinese, which may break between any two characters, as a column of single characters.
BROKEN_LABELS = """[...document.querySelectorAll('.btn, button, .badge, .text-nowrap')]
  .filter(el => el.offsetParent !== null && el.innerText.trim().length > 0 && el.innerText.trim().length <= 12)
  .filter(el => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const boxes = [...range.getClientRects()].filter(r => r.width > 1 && r.height > 1)  // not visually-hidden text
      .sort((a, b) => a.top - b.top);
    let lines = 0, bottom = -Infinity;  // a box starting below every box so far starts a line
    for (const box of boxes) {
      if (box.top >= bottom - 1) { lines += 1; bottom = box.bottom; } else { bottom = Math.max(bottom, box.bottom); }
    }
    return lines > 1;
  })
  .map(el => el.innerText.trim())"""


def check_page(page, live_server, path: str, *, who: str, name: str, width: int, failures: list[str]) -> None:
    response = page.goto(f"{live_server.url}{path}")
    # htmx fragments requested on load (the notification bell) are part of the page
    page.wait_for_function("!document.querySelector('.htmx-request')")
    assert not failures, f"{path}: requests failed: {failures}"
    expected = ERROR_PAGES.get(name, 200)
    assert response is not None and response.status == expected, f"{path} answered {response and response.status}"
    if name not in REDIRECTING_PAGES:
        assert urlsplit(page.url).path == urlsplit(path).path, f"{path} redirected to {page.url}"
    if name == "home-menus-open":
        open_menus(page)
    if name == "lottery-no-prize":  # the result panel htmx swaps in: "No prize this time"
        page.get_by_role("button", name="Draw", exact=True).click()
        page.get_by_test_id("draw-result").get_by_text("No prize this time").wait_for()
        page.wait_for_function("!document.querySelector('.htmx-request')")
        assert not failures, f"{path}: requests failed: {failures}"
    if name in SORTED_LISTS:  # screen readers announce which column the list is sorted by
        assert page.locator("th[aria-sort]").count() == 1, f"{path}: no column header says it is sorted"
    lang = "zh-hans" if who.endswith("-zh") else "en"
    assert page.evaluate("document.documentElement.lang") == lang, f"{path} is not in {lang}"
    # WCAG 1.4.10 (reflow): nothing but a table's own scroller may scroll sideways
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"{path} is {overflow}px wide at {width}px: it scrolls sideways"
    broken = page.evaluate(BROKEN_LABELS)
    assert not broken, f"{path} at {width}px breaks these short labels over lines: {broken}"
    violations = run_axe(page)
    if violations:
        pytest.fail(f"{who} at {width}px on {path} ({name}):\n{format_violations(violations)}", pytrace=False)
