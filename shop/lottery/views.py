import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from shop.core import clock
from shop.core.errors import DomainError
from shop.wallet.models import Asset, Wallet

from . import selectors, services
from .models import Campaign, PrizeOrder, PrizeOrderStatus
from .shopper_forms import DetailsForm


def _key() -> str:
    """A one-time key for a draw or exchange form: the same form posted twice does it once."""
    return secrets.token_urlsafe(16)


def campaign_list(request):
    now = clock.now()
    context = {**selectors.campaigns_for_list(now), "gifts": selectors.gift_pools(request.user), "now": now}
    return render(request, "lottery/list.html", context)


def _panel(request, campaign, now, **extra) -> dict:
    """What the campaign page and its htmx partials show."""
    prizes = list(campaign.prizes.select_related("coupon"))
    odds = services.published_odds(prizes)
    limited = request.user.is_authenticated and any(p.win_limit for p in prizes)
    wins = services.wins_of(request.user, campaign) if limited else {}
    for prize in prizes:
        prize.chance = odds.get(prize.pk)
        prize.limit_reached = prize.win_limit is not None and wins.get(prize.pk, 0) >= prize.win_limit
    entry = selectors.entry_of(campaign, request.user)
    refused = services.refusal(campaign, request.user, now) if request.user.is_authenticated else None
    credits = None
    if request.user.is_authenticated:  # read afresh: a draw has just changed it
        credits = Wallet.objects.filter(user=request.user).values_list(campaign.draw_asset, flat=True).first()
    return {
        "credits": credits or 0, "asset_name": str(Asset(campaign.draw_asset).label).lower(),
        "campaign": campaign, "prizes": prizes,
        "state": campaign.state_at(now), "chances": services.chances_left(campaign, entry),
        "rules": services.eligibility(campaign, request.user), "refused": refused,
        "sold_out": not any(p.stock_left > 0 for p in prizes), "key": _key(), **extra,
    }


def _my_prizes_page(request, campaign):
    if not request.user.is_authenticated:
        return None
    return Paginator(selectors.my_prize_orders(request.user, campaign), 5).get_page(request.GET.get("page"))


def campaign_detail(request, pk):
    now = clock.now()
    campaign = get_object_or_404(Campaign, pk=pk)
    page = _my_prizes_page(request, campaign)
    if request.htmx and request.GET.get("page"):
        return render(request, "lottery/detail.html#my-prizes", {"campaign": campaign, "page": page})
    result = selectors.own_draw(request.user, request.GET.get("draw")) if request.user.is_authenticated else None
    return render(request, "lottery/detail.html", {**_panel(request, campaign, now, result=result), "page": page})


def _login_first(request, campaign):
    to_login = redirect_to_login(campaign_url(campaign))
    return HttpResponseClientRedirect(to_login.url) if request.htmx else to_login


def campaign_url(campaign) -> str:
    return reverse("lottery:detail", args=[campaign.pk])


@require_POST
def draw(request, pk):
    """**Draw**: htmx swaps the draw panel with the result; without JS, redirect to the page
    showing it (a reload shows it again instead of drawing again)."""
    now = clock.now()
    campaign = get_object_or_404(Campaign, pk=pk, kind="lottery")
    if not request.user.is_authenticated:
        return _login_first(request, campaign)
    result = error = None
    try:
        result = services.draw(user=request.user, campaign_id=campaign.pk, now=now,
                               key=request.POST.get("key", "")[:40])
    except services.AlreadyDone as done:
        result = done.result
    except DomainError as exc:
        error = exc.message
    if not request.htmx:
        if error:
            messages.error(request, error)
            return redirect(campaign_url(campaign))
        return redirect(f"{campaign_url(campaign)}?draw={result.pk}#draw-result")
    campaign.refresh_from_db()
    context = _panel(request, campaign, now, result=result, error=error, page=_my_prizes_page(request, campaign))
    return render(request, "lottery/detail.html#draw-panel", {**context, "swap_oob": True})


@require_POST
def exchange(request, pk, prize_pk):
    now = clock.now()
    campaign = get_object_or_404(Campaign, pk=pk, kind="exchange")
    if not request.user.is_authenticated:
        return _login_first(request, campaign)
    try:
        order = services.exchange(user=request.user, prize_id=prize_pk, now=now, key=request.POST.get("key", "")[:40])
    except services.AlreadyDone as done:
        order = done.result
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(campaign_url(campaign))
    if order.campaign_id != campaign.pk:
        raise Http404
    messages.success(request, _("Exchanged: %(prize)s. It is in My prizes.") % {"prize": order.prize.title})
    if order.status == PrizeOrderStatus.TO_CLAIM:
        return redirect("lottery:prize", number=order.number)
    return redirect(campaign_url(campaign))


@require_POST
@login_required
def take_gift(request, pool_pk):
    try:
        code = services.take_gift_code(user=request.user, pool_id=pool_pk, now=clock.now())
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your code: %(code)s") % {"code": code.code})
    return redirect(f"{reverse('lottery:list')}#gifts")


@login_required
def my_prizes(request):
    page = Paginator(selectors.my_prize_orders(request.user), settings.BAZAAR_PAGE_SIZE).get_page(
        request.GET.get("page"))
    partial = request.htmx and not request.htmx.history_restore_request
    return render(request, "lottery/my_prizes.html#prize-list" if partial else "lottery/my_prizes.html",
                  {"page": page})


@login_required
def prize_order(request, number):
    """A prize order; for a physical prize still to claim, the details form (prefilled from the
    address book: the default address, or the one picked with ``?address=<id>``)."""
    order = get_object_or_404(PrizeOrder.objects.select_related("prize", "campaign", "code", "claimed_coupon"),
                              number=number, user=request.user)
    addresses = list(request.user.addresses.all())
    form = None
    if order.status == PrizeOrderStatus.TO_CLAIM:
        if request.method == "POST":
            form = DetailsForm(request.POST)
            if form.is_valid():
                try:
                    services.submit_details(user=request.user, number=order.number, now=clock.now(),
                                            **form.cleaned_data)
                except DomainError as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(request, _("Thank you — we will ship it soon."))
                    return redirect("lottery:prize", number=order.number)
        else:
            chosen = next((a for a in addresses if str(a.pk) == request.GET.get("address")), None)
            chosen = chosen or next((a for a in addresses if a.is_default), None)
            form = DetailsForm(initial=DetailsForm.initial_from(chosen))
    elif request.method == "POST":
        messages.info(request, _("We already have your details for this prize."))
        return redirect("lottery:prize", number=order.number)
    return render(request, "lottery/prize_order.html", {"order": order, "form": form, "addresses": addresses})
