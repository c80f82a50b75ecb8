"""The shopper's auction pages (SPEC §7, §11): the session list, a session, a lot with its bid
box and live part, "My auctions" and settling a won lot before paying.

* Every state is read by the clock (``state_at(clock.now())``), never from the stored status.
* Every page works without JavaScript: forms post and redirect back with a message; with htmx
  the same endpoints answer the updated fragments (refusals with 409, bad input with 422, which
  the site's script swaps like a 200).
* The lot page polls ``live/?v=<version>`` every second: an unchanged version is a bare **204**
  from one primary-key query (no template, no session); a changed one renders the live part.
"""

from __future__ import annotations

import re
import secrets
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from shop.accounts.services import address_matching, mask_name
from shop.checkout import pricing
from shop.core import clock, fragments
from shop.core.errors import DomainError
from shop.core.money import ZERO, format_money
from shop.orders import services as order_services
from shop.orders.models import OrderStatus

from . import selectors, services, settlement
from .models import SETTLED_STATES, DepositState, Lot, LotState
from .shopper_forms import BidForm, CommentForm, DepositForm, PayForm

TABS = [("upcoming", gettext_lazy("Upcoming")), ("live", gettext_lazy("Live")), ("ended", gettext_lazy("Ended"))]
MY_TABS = [("pay", gettext_lazy("To pay")), ("bids", gettext_lazy("My bids")), ("won", gettext_lazy("Won lots")),
           ("deposits", gettext_lazy("Deposits"))]
INPUT_CODES = {"amount", "maximum", "empty", "too_long", "colour", "invalid"}  # bad input: 422; other refusals: 409


def _key() -> str:
    """A one-time key for a form: the same form posted twice does its work once."""
    return secrets.token_urlsafe(16)


def _status_of(exc: DomainError) -> int:
    return 422 if exc.code in INPUT_CODES else 409


def _login_first(request, url: str):
    to_login = redirect_to_login(url)
    return HttpResponseClientRedirect(to_login.url) if request.htmx else to_login


def _partial(request) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


# --- session list and session page ---------------------------------------------------------------
@require_GET
def session_list(request):
    now = clock.now()
    tab = request.GET.get("tab", "live")
    if tab not in selectors.TAB_STATES:
        tab = "live"
    page = Paginator(selectors.sessions_in_tab(tab, now), settings.BAZAAR_PAGE_SIZE).get_page(request.GET.get("page"))
    for session in page:
        session.state_now = session.state_at(now)
    counts = selectors.tab_counts(now)
    context = {"page": page, "tab": tab, "tabs": [(value, label, counts[value]) for value, label in TABS],
               "counts": counts, "now": now}
    return render(request, "auctions/list.html#session-list" if _partial(request) else "auctions/list.html", context)


def _session_or_404(pk: int):
    session = selectors.session_for_page(pk)
    if session is None:
        raise Http404
    return session


def _session_context(request, session, now, **extra) -> dict:
    return {"session": session, "state": session.state_at(now), "now": now,
            "deposit": selectors.deposit_status(request.user, session),
            "balance": selectors.wallet_balance(request.user) if session.deposit else None, **extra}


@require_GET
def session_detail(request, pk):
    now = clock.now()
    session = _session_or_404(pk)
    lots = selectors.lots_of(session, now)
    return render(request, "auctions/session.html", _session_context(
        request, session, now, lots=lots, lot_deposits=sum(1 for lot in lots if lot.deposit)))


@require_POST
def session_deposit(request, pk):
    """**Pay deposit** of a session (valid for every lot): from the balance or online."""
    session = _session_or_404(pk)
    url = session.get_absolute_url()
    if not request.user.is_authenticated:
        return _login_first(request, url)
    form = DepositForm(request.POST)
    outcome = _pay_deposit(request, form, lot=None, session=session)
    if isinstance(outcome, HttpResponse):
        return outcome
    notice, status = outcome
    if not request.htmx:
        _message(request, notice)
        return redirect(f"{url}#session-deposit")
    lot_deposits = session.lots.filter(is_deleted=False, deposit__isnull=False).count()
    context = _session_context(request, session, clock.now(), notice=notice, lot_deposits=lot_deposits)
    return render(request, "auctions/session.html#session-deposit", context, status=status)


def _pay_deposit(request, form, *, lot, session):
    """Pay a deposit; an online payment sends the shopper to its order. Returns a response (a
    redirect) or ``(notice, status)`` where notice is ``(level, text)``."""
    if not form.is_valid():
        return ("error", _("Choose how to pay the deposit.")), 422
    scope = form.cleaned_data["scope"] or ("lot" if lot is not None else "session")
    if scope == "lot" and lot is None:
        return ("error", _("Choose how to pay the deposit.")), 422
    target = {"lot": lot} if scope == "lot" else {"session": session}
    try:
        deposit = services.pay_deposit(user=request.user, online=form.cleaned_data["method"] == "online",
                                       now=clock.now(), **target)
    except DomainError as exc:
        return ("error", exc.message), _status_of(exc)
    if deposit.status == DepositState.PENDING and deposit.order_id:
        messages.info(request, _("Pay the deposit of %(amount)s on this order; you can bid once it is paid.")
                      % {"amount": format_money(deposit.amount)})
        url = deposit.order.get_absolute_url()
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return ("success", _("Your deposit of %(amount)s is held. You can bid now.")
            % {"amount": format_money(deposit.amount)}), 200


def _message(request, notice) -> None:
    level, text = notice
    {"success": messages.success, "info": messages.info, "warning": messages.warning,
     "error": messages.error}[level](request, text)


# --- the lot page --------------------------------------------------------------------------------
def _lot_or_404(pk: int) -> Lot:
    lot = selectors.lot_for_page(pk)
    if lot is None:
        raise Http404
    return lot


def _name(user, viewer) -> str:
    return _("You") if viewer.is_authenticated and user.pk == viewer.pk else mask_name(user)


_SERVER_NOW = re.compile(r'data-server-now="\d+"')


def _live_context(request, lot, now) -> dict:
    """What the live part shows: price, leader, end, the viewer's standing, history, comments."""
    viewer = request.user
    state = lot.state_at(now)
    bids = selectors.history(lot)
    comments = selectors.comments(lot)
    for row in (*bids, *comments):
        row.shown_name = _name(row.user, viewer)
    maximum = selectors.my_maximum(viewer, lot)
    leading = viewer.is_authenticated and lot.leader_id == viewer.pk
    return {
        "lot": lot, "session": lot.session, "state": state, "now": now, "bids": bids, "comments": comments,
        "leader_name": _name(lot.leader, viewer) if lot.leader_id else "",
        "leading": leading, "outbid": maximum is not None and not leading, "maximum": maximum,
        "extended": lot.ends_at > lot.session.ends_at,
        "polling": state not in SETTLED_STATES, "poll_ms": settings.BAZAAR_AUCTION_POLL_MS,
        "countdown_to": lot.session.starts_at if state in (LotState.NOT_STARTED, LotState.PREVIEW)
        else lot.ends_at if state == LotState.BIDDING else None,
    }


def _box_context(request, lot, now, state, **extra) -> dict:
    """What the bid box and the comment box show: deposits, the bid form, the comment form."""
    viewer = request.user
    needs = services.needs_deposit(lot)
    deposit = selectors.deposit_status(viewer, lot.session, lot)
    colours = selectors.colours() if viewer.is_authenticated and state == LotState.BIDDING else []
    options = [{"scope": "lot", "amount": lot.deposit, "pending": deposit.pending_lot},
               {"scope": "session", "amount": lot.session.deposit, "pending": deposit.pending_session}]
    return {
        "rules": services.deposit_rules(lot), "needs_deposit": needs, "deposit": deposit,
        "may_bid": not needs or deposit.held is not None,
        "deposit_options": [option for option in options if option["amount"] is not None],
        "balance": selectors.wallet_balance(viewer) if needs and deposit.held is None else None,
        "bid_form": BidForm(initial={"amount": lot.next_minimum(), "key": _key()}),
        "comment_form": CommentForm(initial={"key": _key()}, colours=colours), "colours": colours,
        "open_states": (LotState.NOT_STARTED, LotState.PREVIEW, LotState.BIDDING), **extra,
    }


def _lot_context(request, lot, now, **extra) -> dict:
    live = _live_context(request, lot, now)
    return {**live, **_box_context(request, lot, now, live["state"]), **extra}


@require_GET
def lot_detail(request, pk):
    now = clock.now()
    lot = _lot_or_404(pk)
    return render(request, "auctions/lot.html", _lot_context(request, lot, now))


@require_GET
def lot_live(request, pk):
    """The polled live part. ``v`` equal to the lot's version → **204** (htmx keeps what it has):
    one indexed query, no template, no session. Otherwise the live part with the new version in
    its own ``hx-get``, the history and comments out of band, and — when the state by the clock
    is no longer ``s`` (the state the page showed) — the bid and comment boxes too."""
    version = selectors.live_version(pk)
    if version is None:
        raise Http404
    if request.GET.get("v") == str(version):
        return HttpResponse(status=204)
    now = clock.now()
    shown = request.GET.get("s")
    viewer = request.user.pk or 0
    # One render per lot version, state, language and viewer, shared by the process's requests
    # (a bid sends every watcher here within a beat); never with the boxes (they carry a CSRF token).
    key = fragments.key("auction-live", pk, version, shown, viewer) if fragments.enabled() else None
    html = fragments.get(key) if key else None
    if html is None:
        lot = _lot_or_404(pk)
        context = _live_context(request, lot, now)
        boxes = shown is not None and shown != context["state"]
        if boxes:
            context.update(_box_context(request, lot, now, context["state"]), boxes=True)
        html = render_to_string("auctions/lot.html#lot-live", {**context, "oob": True, "main": "lot-live"}, request)
        if key and not boxes:
            fragments.put(key, html)
    # the countdown keeps to the server's clock of this answer, not of the cached render
    return HttpResponse(_SERVER_NOW.sub(f'data-server-now="{int(now.timestamp())}"', html))


def _box_response(request, lot, *, main: str, notice=None, status: int = 200, form=None):
    """An htmx answer to a form of the lot page: ``main`` (the bid box or the comment box) with
    ``notice`` and the live part, history and comments out of band."""
    now = clock.now()
    lot = selectors.lot_for_page(lot.pk) or lot  # read afresh: the action has just changed it
    context = _lot_context(request, lot, now, notice=notice, oob=True, main=main)
    if form is not None:
        context["bid_form" if main == "bid-box" else "comment_form"] = form
    return render(request, f"auctions/lot.html#{main}", context, status=status)


@require_POST
def lot_bid(request, pk):
    """**Place bid**. The form's one-time key goes with the bid (unique per bidder), so a replayed
    or double-clicked form places one bid and says so."""
    lot = _lot_or_404(pk)
    url = lot.get_absolute_url()
    if not request.user.is_authenticated:
        return _login_first(request, url)
    form = BidForm(request.POST)
    status, notice = 200, None
    if not form.is_valid():
        status, notice = 422, ("error", _("Enter your bid as an amount such as 1200 or 1200.50."))
    else:
        data = form.cleaned_data
        try:
            result = services.place_bid(user=request.user, lot_id=lot.pk, amount=data["amount"],
                                        maximum=data["maximum"] or None, now=clock.now(),
                                        request_key=data["key"] or None)
        except Lot.DoesNotExist:
            raise Http404 from None
        except DomainError as exc:  # nothing happened: the same form may be corrected and sent
            status, notice = _status_of(exc), ("error", exc.message)
        else:
            notice = ("info" if result.replayed else "success" if result.leading else "warning", result.message)
    if not request.htmx:
        _message(request, notice)
        return redirect(f"{url}#bid-box")
    if status == 422:  # keep what the shopper typed
        form = BidForm(initial={"key": _key(), "amount": request.POST.get("amount", "")[:30],
                                "maximum": request.POST.get("maximum", "")[:30]})
    else:
        form = None
    return _box_response(request, lot, main="bid-box", notice=notice, status=status, form=form)


@require_POST
def lot_deposit(request, pk):
    """**Pay deposit** from the lot page: ``scope`` lot|session, ``method`` balance|online."""
    lot = _lot_or_404(pk)
    url = lot.get_absolute_url()
    if not request.user.is_authenticated:
        return _login_first(request, url)
    outcome = _pay_deposit(request, DepositForm(request.POST), lot=lot, session=lot.session)
    if isinstance(outcome, HttpResponse):
        return outcome
    notice, status = outcome
    if not request.htmx:
        _message(request, notice)
        return redirect(f"{url}#bid-box")
    return _box_response(request, lot, main="bid-box", notice=notice, status=status)


@require_POST
def lot_comment(request, pk):
    """A live comment (plain: free and paced; coloured: costs credits). A replayed form posts once."""
    lot = _lot_or_404(pk)
    url = lot.get_absolute_url()
    if not request.user.is_authenticated:
        return _login_first(request, url)
    form = CommentForm(request.POST, colours=selectors.colours())
    status, notice = 200, None
    if not form.is_valid():
        errors = form.errors.get("colour") or form.errors.get("text") or [_("Write something first.")]
        status, notice = 422, ("error", errors[0])
    else:
        data = form.cleaned_data
        try:
            services.post_comment(user=request.user, lot_id=lot.pk, text=data["text"], colour_id=data["colour"],
                                  request_key=data["key"] or None, now=clock.now())
        except Lot.DoesNotExist:
            raise Http404 from None
        except DomainError as exc:
            status, notice = _status_of(exc), ("error", exc.message)
    if not request.htmx:
        if notice:
            _message(request, notice)
        return redirect(f"{url}#lot-comments")
    keep = None
    if status != 200:  # keep what the shopper wrote
        keep = CommentForm(initial={"key": _key(), "text": request.POST.get("text", "")[:200],
                                    "colour": request.POST.get("colour", "")}, colours=selectors.colours())
    return _box_response(request, lot, main="comment-box", notice=notice, status=status, form=keep)


# --- my auctions ---------------------------------------------------------------------------------
@login_required
@require_GET
def my_auctions(request):
    now = clock.now()
    user = request.user
    to_pay = selectors.orders_to_pay(user, now)
    pay_count = to_pay.count()
    tab = request.GET.get("tab") or ("pay" if pay_count else "bids")
    if tab not in dict(MY_TABS):
        tab = "bids"
    rows = {"pay": to_pay, "bids": selectors.my_bids(user), "won": selectors.my_wins(user),
            "deposits": selectors.my_deposits(user)}[tab]
    page = Paginator(rows, settings.BAZAAR_PAGE_SIZE).get_page(request.GET.get("page"))
    if tab == "bids":
        for lot in page:
            lot.state_now = lot.state_at(now, lot.session)
            lot.leading = lot.leader_id == user.pk
    elif tab == "won":
        for result in page:
            result.payable_now = result.order is not None and order_services.is_payable(result.order, now)
    context = {"page": page, "tab": tab, "tabs": MY_TABS, "pay_count": pay_count, "now": now}
    return render(request, "auctions/mine.html#my-auctions" if _partial(request) else "auctions/mine.html", context)


def _quote(order, coupon, balance: Decimal, wallet: Decimal) -> dict:
    """The breakdown shown before paying (the same arithmetic as ``settlement.prepare_payment``)."""
    if order.global_coupon_id or order.balance_used:  # already counted: the order says it all
        return {"discount": order.global_discount, "balance": order.balance_used, "payable": order.payable,
                "notice": None}
    due, discount, notice = order.payable, ZERO, None
    if coupon is not None:
        discount, missed = pricing.discount(due, coupon.coupon.pricing_terms(ref=str(coupon.pk)))
        if missed:
            notice = _("This order does not reach that coupon's minimum spend.")
    used = max(ZERO, min(balance or ZERO, wallet, due - discount))
    return {"discount": discount, "balance": used, "payable": due - discount - used, "notice": notice}


@login_required
@require_http_methods(["GET", "POST"])
def pay_order(request, number):
    """A won lot before the gateway: shipping address, one coupon of the session, some balance.
    "Continue" calls ``settlement.prepare_payment`` and goes to the order page (its **Pay**
    button), or says it is paid when nothing is left to pay."""
    order = selectors.auction_order(request.user, number[:40])
    if order is None:
        raise Http404
    now = clock.now()
    lot = selectors.lot_of_order(order)
    addresses = list(request.user.addresses.all())
    wallet = selectors.wallet_balance(request.user)
    needs_address = order.status == OrderStatus.PAID and not order.shipping  # paid by the deposit alone
    settled = bool(order.global_coupon_id or order.balance_used) or needs_address
    payable_now = order_services.is_payable(order, now)
    coupons = selectors.session_coupons(request.user, lot.session_id if lot else 0, now)
    kwargs = {"addresses": request.user.addresses.all(), "coupons": coupons, "wallet_balance": wallet,
              "settled": settled}
    initial_address = address_matching(addresses, order.shipping)
    form = PayForm(initial={"address": initial_address}, **kwargs)
    status = 200
    if request.method == "POST" and (payable_now or needs_address):
        form = PayForm(request.POST, **kwargs)
        if form.is_valid() and request.POST.get("action") != "quote":
            data = form.cleaned_data
            try:
                order = settlement.prepare_payment(order.pk, user=request.user, address=data["address"],
                                                   coupon=data.get("coupon"), balance=data.get("balance") or ZERO,
                                                   now=clock.now())
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = 409
            else:
                if needs_address:
                    messages.success(request, _("Thank you: we will ship the lot to the address you chose."))
                elif order.status == OrderStatus.PAID:
                    messages.success(request, _("Paid: your coupon and balance covered the lot. We will ship it "
                                                "to the address you chose."))
                else:
                    messages.success(request, _("Saved. Now pay %(amount)s to complete the order.")
                                     % {"amount": format_money(order.payable)})
                url = order.get_absolute_url()
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
        elif not form.is_valid():
            status = 422
    elif request.method == "POST":
        messages.info(request, _("This order can no longer be changed."))
        return redirect(order.get_absolute_url())
    data = form.cleaned_data if form.is_bound and hasattr(form, "cleaned_data") else {}
    quote = _quote(order, data.get("coupon"), data.get("balance") or ZERO, wallet)
    context = {"order": order, "lot": lot, "form": form, "quote": quote, "wallet": wallet, "settled": settled,
               "payable_now": payable_now or needs_address, "needs_address": needs_address, "addresses": addresses,
               "status_now": order.status_at(now),
               "coupon_count": len(coupons) if not settled else 0, "now": now}
    partial = request.htmx and request.POST.get("action") == "quote"
    return render(request, "auctions/pay.html#pay-summary" if partial else "auctions/pay.html", context,
                  status=status)
