"""Gift-draw pages (SPEC §6, §11): the hub, creating a draw, the share link with its routing,
joining, the winner's address, and "My gift draws". Every form works without JavaScript (post,
then redirect back with a message)."""

from __future__ import annotations

import secrets

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from shop.accounts.services import address_matching
from shop.core import clock
from shop.core.errors import DomainError

from . import selectors, services
from .forms import AddressForm, NewDrawForm
from .models import DrawStatus, GiftDraw, Method, Participant

MY_TABS = [("gifts", gettext_lazy("My gifts")), ("given", gettext_lazy("Draws I created")),
           ("joined", gettext_lazy("Draws I joined"))]


def home(request):
    context = {"packages": selectors.packages_on_sale()}
    if request.user.is_authenticated:
        context["available"] = selectors.units_available(request.user)
    return render(request, "gifts/home.html", context)


@login_required
def new_draw(request):
    now = clock.now()
    holdings = selectors.usable_holdings(request.user)
    if not holdings:
        return render(request, "gifts/new.html", {"holdings": [], "packages": selectors.packages_on_sale()})
    form = NewDrawForm(request.POST or None, holdings=holdings,
                       initial={"key": secrets.token_urlsafe(16), "needed": 3})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            draw = services.create_draw(
                user=request.user, product_id=data["package"], gifts=data["gifts"], method=data["method"],
                wish=data["wish"], needed=data.get("needed"), draws_at=data.get("draws_at"), now=now,
                request_key=data.get("key") or None)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your gift draw is ready: share its link."))
            return redirect(draw)
    status = 422 if request.method == "POST" else 200
    return render(request, "gifts/new.html", {"form": form, "holdings": holdings, "now": now}, status=status)


def _draw_or_404(token: str) -> GiftDraw:
    draw = selectors.draw_by_token(token)
    if draw is None:
        raise Http404
    return draw


@require_GET
def draw_page(request, token):
    """The share link: results once drawn, the waiting page for someone who joined, "closed" when
    full or past its time, else the Join button (SPEC §6). The giver sees the share panel."""
    now = clock.now()
    draw = services.drawn_if_due(_draw_or_404(token), now)
    entry = Participant.objects.filter(draw=draw, user=request.user).first() if request.user.is_authenticated else None
    page = selectors.route(draw, request.user, entry, now)
    rows = selectors.entries(draw, request.user)
    context = {"draw": draw, "page": page, "now": now, "rows": rows, "reveal": selectors.reveal(draw),
               "more": max(0, draw.participant_count - len(rows)), "state": _state(draw), "entry": entry,
               "share_url": request.build_absolute_uri(draw.get_absolute_url()),
               "can_close": page == "giver" and draw.status == DrawStatus.OPEN and not draw.is_due(now)
               and (draw.method == Method.DIRECT or not draw.participant_count)}
    if entry is not None and entry.won and entry.shipped_at is None:
        addresses = list(request.user.addresses.order_by("-is_default", "-created_at"))
        context["addresses"] = addresses
        context["address_form"] = AddressForm(addresses=request.user.addresses.all(),
                                              initial={"address": address_matching(addresses, entry.shipping)})
    return render(request, "gifts/draw.html", context)


def _state(draw: GiftDraw) -> str:
    """What the open pages of a draw show that others can change: its status and participants."""
    return f"{draw.status}-{draw.participant_count}"


@require_GET
def draw_state(request, token):
    """Polled by an open draw's page: **204** while nothing changed (one query), else an
    ``HX-Refresh`` so the page shows the newcomers or the result."""
    draw = services.drawn_if_due(_draw_or_404(token), clock.now())
    if request.GET.get("v") == _state(draw):
        return HttpResponse(status=204)
    response = HttpResponse(status=200)
    response["HX-Refresh"] = "true"
    return response


@require_POST
def join(request, token):
    draw = _draw_or_404(token)
    if not request.user.is_authenticated:
        return redirect_to_login(draw.get_absolute_url())
    try:
        entry = services.join(draw_id=draw.pk, user=request.user, now=clock.now())
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if entry.won:
            messages.success(request, _("You received a gift! Tell us where to send it."))
        else:
            messages.success(request, _("You're in! You are participant number %(n)s.") % {"n": entry.position})
    return redirect(draw)


@login_required
@require_POST
def give_address(request, token):
    draw = _draw_or_404(token)
    form = AddressForm(request.POST, addresses=request.user.addresses.all())
    if not form.is_valid():
        messages.error(request, form.errors["address"][0])
        return redirect(draw)
    try:
        services.give_address(draw_id=draw.pk, user=request.user, address=form.cleaned_data["address"],
                              now=clock.now())
    except Participant.DoesNotExist:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you! We will send your gift to this address."))
    return redirect(draw)


@login_required
@require_POST
def close_draw(request, token):
    draw = _draw_or_404(token)
    try:
        services.close(draw_id=draw.pk, user=request.user, now=clock.now())
    except GiftDraw.DoesNotExist:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The draw is closed; the gifts nobody received are back in your gifts."))
    return redirect(draw)


@require_GET
def qr_code(request, token):
    """The share link as a QR code (SVG, drawn on the server)."""
    draw = _draw_or_404(token)
    image = qrcode.make(request.build_absolute_uri(draw.get_absolute_url()),
                        image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    response = HttpResponse(image.to_string(), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@login_required
def my_gifts(request):
    user = request.user
    tab = request.GET.get("tab") or "gifts"
    if tab not in dict(MY_TABS):
        tab = "gifts"
    context = {"tab": tab, "tabs": MY_TABS, "now": clock.now()}
    if tab == "gifts":
        context["holdings"] = selectors.holdings(user)
        context["packages"] = selectors.packages_on_sale()
    else:
        rows = selectors.given_draws(user) if tab == "given" else selectors.joined(user)
        context["page"] = Paginator(rows, settings.BAZAAR_PAGE_SIZE).get_page(request.GET.get("page"))
    template = "gifts/mine.html#my-gifts" if request.htmx and not request.htmx.boosted else "gifts/mine.html"
    return render(request, template, context)
