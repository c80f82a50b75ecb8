import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shop.core import clock, fragments
from shop.core.errors import DomainError

from . import selectors, services
from .models import Coupon

# Lazy: translated when the page is rendered, in the shopper's language (not once at import).
TABS = [("unused", gettext_lazy("Unused")), ("used", gettext_lazy("Used")), ("expired", gettext_lazy("Expired"))]


def centre(request):
    """The coupon centre. Its content is served from the fragment cache under a key read by one
    query; the page's coupons, their courses and the shopper's holdings are read only to render it."""
    now = clock.now()
    content_key, number = selectors.centre_key(request, now, selectors.centre_page_number(request.GET.get("page")))

    @functools.cache
    def page():
        return Paginator(selectors.centre_coupons(now), selectors.CENTRE_PAGE_SIZE).get_page(number)

    @functools.cache
    def cards():
        held = selectors.holdings_of(request.user, [c.pk for c in page()])
        return [{"coupon": c, "state": c.claim_status_at(now), "held": held.get(c.pk, 0)} for c in page()]

    return fragments.render_page(request, "coupons/centre.html", {"page": page, "cards": cards, "content_key": content_key})


@require_POST
def claim(request, pk):
    """Claim from the coupon centre; htmx swaps the card in place with the outcome."""
    now = clock.now()
    coupon = get_object_or_404(Coupon.objects.opened(now).select_related("product"), pk=pk)
    error = success = None
    if not request.user.is_authenticated:
        error = "login"
    else:
        try:
            claimed = services.claim(user=request.user, coupon_id=coupon.pk, now=now)
        except DomainError as exc:
            error = exc.message
        else:
            success = _("Claimed! Code %(code)s is in My coupons.") % {"code": claimed.code}
        coupon.refresh_from_db()
    if not request.htmx:
        if error == "login":
            return redirect(f"{reverse('accounts:login')}?next={reverse('coupons:centre')}")
        (messages.error if error else messages.success)(request, error or success)
        return redirect("coupons:centre")
    held = selectors.holdings_of(request.user, [coupon.pk]).get(coupon.pk, 0)
    card = {"coupon": coupon, "state": coupon.claim_status_at(now), "held": held, "error": error, "success": success}
    return render(request, "coupons/centre.html#coupon-card", {"card": card})


@login_required
def mine(request):
    tab = request.GET.get("tab", "unused")
    if tab not in dict(TABS):
        tab = "unused"
    now = clock.now()
    page = Paginator(selectors.my_coupons(request.user, tab, now), settings.BAZAAR_PAGE_SIZE).get_page(
        request.GET.get("page"))
    context = {"page": page, "tab": tab, "tabs": TABS, "now": now}
    partial = request.htmx and not request.htmx.history_restore_request
    return render(request, "coupons/mine.html#my-coupons" if partial else "coupons/mine.html", context)
