"""Gift draws (SPEC §6): units from paid packages, creating a draw, joining, drawing, shipping.

Every limit is a conditional UPDATE or a unique row (see :mod:`shop.gifts.models`); every action
may be repeated (a double click, a replayed form, a job delivered twice) without effect.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from shop.catalog.models import Product, ProductKind
from shop.core import audit
from shop.core.errors import DomainError
from shop.core.texts import Text
from shop.notifications.services import notify, notify_many

from . import fairness, jobs
from . import texts as T
from .models import (
    MAX_GIFTS,
    MAX_NEEDED,
    WISH_MAX,
    DrawStatus,
    GiftDraw,
    GiftHolding,
    Method,
    Participant,
    due_at,
)

log = logging.getLogger(__name__)

#: a timed draw is set at least this far ahead, and at most this far
MIN_LEAD = timedelta(minutes=5)
MAX_LEAD = timedelta(days=30)


class Refused(DomainError):
    """A gift-draw action refused; ``code`` says which rule."""


# --- units from paid packages (hooks on the cart's order kind) ----------------------------------
def _unit_lines(order):
    return order.lines.filter(units__gt=0).order_by("product_id")


def _units_used() -> Refused:
    return Refused(_("The gifts bought with this order are already in a gift draw, so it can't be refunded."),
                   code="units_used")


def credit_units(order, now: datetime) -> None:
    """A paid order's gift-package lines credit their units to the buyer."""
    for line in _unit_lines(order):
        holding, _created = GiftHolding.objects.get_or_create(user=order.user, product_id=line.product_id)
        GiftHolding.objects.filter(pk=holding.pk).update(bought=F("bought") + line.units,
                                                         available=F("available") + line.units)


def check_refund(order) -> None:
    """A gift-package order can be refunded only while its units are still unused."""
    for line in _unit_lines(order):
        if not GiftHolding.objects.filter(user=order.user, product_id=line.product_id,
                                          available__gte=line.units).exists():
            raise _units_used()


def take_back_units(order, now: datetime) -> None:
    """A refund removes exactly this order's units — refused if they are no longer all available."""
    for line in _unit_lines(order):
        taken = GiftHolding.objects.filter(user=order.user, product_id=line.product_id, available__gte=line.units) \
            .update(bought=F("bought") - line.units, available=F("available") - line.units)
        if not taken:
            raise _units_used()


# --- creating ------------------------------------------------------------------------------------
def create_draw(*, user, product_id: int, gifts: int, method: str, wish: str, now: datetime,
                needed: int | None = None, draws_at: datetime | None = None, request_key: str | None = None) -> GiftDraw:
    """Reserve ``gifts`` of the shopper's units of a package in a new draw. A replayed form (same
    ``request_key``) returns the draw the first one created."""
    wish = (wish or "").strip()
    key = (request_key or "").strip()[:64] or None
    if key and (existing := GiftDraw.objects.filter(giver=user, request_key=key).first()):
        return existing
    _check_terms(gifts=gifts, method=method, wish=wish, needed=needed, draws_at=draws_at, now=now)
    try:
        with transaction.atomic():
            draw = _create(user=user, product_id=product_id, gifts=gifts, method=method, wish=wish, now=now,
                           needed=needed, draws_at=draws_at, key=key)
    except IntegrityError:
        existing = GiftDraw.objects.filter(giver=user, request_key=key).first() if key else None
        if existing is None:
            raise
        return existing
    if draw.method == Method.TIMED:
        jobs.schedule_draw(draw)
    log.info("event=gift_draw_created draw=%s method=%s gifts=%s", draw.pk, draw.method, draw.gifts)
    return draw


def _check_terms(*, gifts, method, wish, needed, draws_at, now) -> None:
    if method not in Method.values:
        raise Refused(_("Choose how the gifts are handed out."), code="method")
    if not wish or len(wish) > WISH_MAX:
        raise Refused(_("Write a wish of at most %(n)s characters.") % {"n": WISH_MAX}, code="wish")
    if not 1 <= gifts <= MAX_GIFTS:
        raise Refused(_("A draw hands out 1 to %(n)s gifts.") % {"n": MAX_GIFTS}, code="gifts")
    if method == Method.FULL:
        if needed is None or not max(2, gifts) <= needed <= MAX_NEEDED:
            raise Refused(_("A full draw waits for %(low)s to %(high)s participants (at least one per gift).")
                          % {"low": max(2, gifts), "high": MAX_NEEDED}, code="needed")
    if method == Method.TIMED:
        if draws_at is None or draws_at < now + MIN_LEAD:
            raise Refused(_("Pick a draw time at least 5 minutes from now."), code="draws_at")
        if draws_at > now + MAX_LEAD:
            raise Refused(_("Pick a draw time within 30 days."), code="draws_at")


def new_token() -> str:
    """A share-link token: 22 letters and digits (~131 bits). Not token_urlsafe: its "-" and "_" could
    start a token, which then reads as an option on the command line (verify_gift_draw -hXY…)."""
    return get_random_string(22)


def _create(*, user, product_id, gifts, method, wish, now, needed, draws_at, key) -> GiftDraw:
    # The package's kind is a subquery on the product, not a join: an UPDATE with a join becomes
    # "id IN (SELECT … WHERE available >= n)", which PostgreSQL does not re-check after waiting for a
    # concurrent reservation of the same row (it would go below zero); this WHERE is re-checked.
    reserved = GiftHolding.objects.filter(
        user=user, product_id__in=Product.objects.filter(pk=product_id, kind=ProductKind.GIFT), available__gte=gifts,
    ).update(available=F("available") - gifts, in_draws=F("in_draws") + gifts)
    if not reserved:
        holding = GiftHolding.objects.filter(user=user, product_id=product_id).first()
        left = holding.available if holding else 0
        raise Refused(_("You have %(n)s gifts of this package left.") % {"n": left}, code="not_enough")
    seed = fairness.new_seed() if method != Method.DIRECT else ""
    return GiftDraw.objects.create(
        token=new_token(), giver=user, product_id=product_id, wish=wish, gifts=gifts, method=method,
        needed=needed if method == Method.FULL else None, draws_at=draws_at if method == Method.TIMED else None,
        seed=seed, seed_hash=fairness.commitment(seed) if seed else "", request_key=key, created_at=now,
    )


# --- joining -------------------------------------------------------------------------------------
def join(*, draw_id: int, user, now: datetime) -> Participant:
    """Join a draw (SPEC §6). Once per shopper; a timed draw refuses joins from its time on; a full
    draw never counts more than N and its N-th join draws it; a direct draw hands one gift per join
    and finishes with the last one. A repeated join returns the existing entry."""
    draw = GiftDraw.objects.select_related("product").get(pk=draw_id)
    if draw.giver_id == user.pk:
        raise Refused(_("You can't join your own gift draw."), code="own")
    mine = Participant.objects.filter(draw=draw, user=user).first()
    if mine is not None:
        return mine
    if draw.is_due(now):
        draw_now(draw.pk, now=now)
    try:
        with transaction.atomic():
            participant = _join(draw, user, now)
    except (IntegrityError, Refused):
        # the same shopper's other request joined meanwhile — perhaps taking the last place or gift,
        # so this one found the draw full, drawn or gone: it gets that entry, not a refusal
        mine = Participant.objects.filter(draw=draw, user=user).first()
        if mine is None:
            raise
        return mine
    return participant


def _join(draw: GiftDraw, user, now: datetime) -> Participant:
    counters = {"participant_count": F("participant_count") + 1}
    rows = GiftDraw.objects.filter(pk=draw.pk, status=DrawStatus.OPEN)
    if draw.method == Method.TIMED:
        if now >= draw.draws_at:
            if draw.status != DrawStatus.OPEN:
                raise _closed(draw)
            raise Refused(_("This draw has closed: it draws at its set time."), code="closed")
    elif draw.method == Method.FULL:
        rows = rows.filter(participant_count__lt=F("needed"))
    else:
        rows = rows.filter(given_count__lt=F("gifts"))
        counters["given_count"] = F("given_count") + 1
    if not rows.update(**counters):  # holds the draw's row until commit: joins queue here
        raise _closed(draw)
    fresh = GiftDraw.objects.get(pk=draw.pk)
    participant = Participant.objects.create(draw=fresh, user=user, position=fresh.participant_count, joined_at=now,
                                             won=fresh.method == Method.DIRECT)
    if fresh.method == Method.DIRECT:
        GiftHolding.objects.filter(user_id=fresh.giver_id, product_id=fresh.product_id).update(
            in_draws=F("in_draws") - 1, given=F("given") + 1)
        if fresh.given_count == fresh.gifts:
            GiftDraw.objects.filter(pk=fresh.pk).update(status=DrawStatus.DRAWN, drawn_at=now)
            notify(fresh.giver, Text(T.DIRECT_DONE, gifts=fresh.gifts), url=fresh.get_absolute_url())
        notify(user, Text(T.YOU_WON, package=fresh.product.title), url=fresh.get_absolute_url())
    elif fresh.method == Method.FULL and fresh.participant_count == fresh.needed:
        _draw(fresh, now)
    return participant


def _closed(draw: GiftDraw) -> Refused:
    fresh = GiftDraw.objects.get(pk=draw.pk)
    if fresh.status == DrawStatus.DRAWN and fresh.method != Method.DIRECT:
        return Refused(_("This draw has already been drawn."), code="drawn")
    if fresh.method == Method.DIRECT and fresh.status != DrawStatus.CLOSED:
        return Refused(_("All the gifts have been handed out."), code="gone")
    if fresh.method == Method.FULL and fresh.status == DrawStatus.OPEN:
        return Refused(_("This draw is full."), code="full")
    return Refused(_("This draw is closed."), code="closed")


# --- drawing -------------------------------------------------------------------------------------
def draw_now(draw_id: int, *, now: datetime) -> bool:
    """Draw a timed draw whose time has come (job ``gift:<id>:draw``, the sweeper, or the first
    read after its time). Exactly once: the status moves under the row lock."""
    with transaction.atomic():
        draw = GiftDraw.objects.select_for_update(of=("self",)).select_related("product").filter(pk=draw_id).first()
        if draw is None or not draw.is_due(now):
            return False
        _draw(draw, now)
    return True


def drawn_if_due(draw: GiftDraw, now: datetime) -> GiftDraw:
    """``draw`` as it stands at ``now``: drawn first if its time has come (reads never wait for
    the job or the sweeper)."""
    if draw.is_due(now) and draw_now(draw.pk, now=now):
        draw.refresh_from_db()
    return draw


def _draw(draw: GiftDraw, now: datetime) -> None:
    """Pick the winners of a full or timed draw (row held by the caller), hand back what nobody
    won, tell everyone."""
    entries = list(Participant.objects.filter(draw=draw).select_related("user").order_by("position"))
    winners = fairness.pick_winners(draw.seed, [e.position for e in entries], draw.gifts)
    Participant.objects.filter(draw=draw, position__in=winners).update(won=True)
    back = draw.gifts - len(winners)
    GiftDraw.objects.filter(pk=draw.pk, status=DrawStatus.OPEN).update(
        status=DrawStatus.DRAWN, drawn_at=now, given_count=len(winners))
    GiftHolding.objects.filter(user_id=draw.giver_id, product_id=draw.product_id).update(
        in_draws=F("in_draws") - draw.gifts, given=F("given") + len(winners),
        available=F("available") + back, returned=F("returned") + back)
    url = draw.get_absolute_url()
    won = set(winners)
    notify_many([*((entry.user, Text(T.YOU_WON if entry.position in won else T.NOT_WON, package=draw.product.title))
                   for entry in entries),
                 (draw.giver, Text(T.DRAWN, winners=len(winners), back=back))], url=url)
    log.info("event=gift_drawn draw=%s participants=%s winners=%s back=%s", draw.pk, len(entries), len(winners), back)


def apply_due(now: datetime) -> int:
    """The sweeper: every timed draw past its time that has not been drawn."""
    due = GiftDraw.objects.filter(due_at(now))
    return sum(draw_now(pk, now=now) for pk in due.values_list("pk", flat=True)[:500])


# --- closing by the giver ------------------------------------------------------------------------
def close(*, draw_id: int, user, now: datetime) -> GiftDraw:
    """The giver ends a draw early and gets the gifts nobody has won back: a direct draw at any
    time, a full or timed one only while nobody has joined."""
    with transaction.atomic():
        draw = GiftDraw.objects.select_for_update().filter(pk=draw_id, giver=user).first()
        if draw is None:
            raise GiftDraw.DoesNotExist
        if draw.status != DrawStatus.OPEN or draw.is_due(now):
            raise Refused(_("This draw is no longer open."), code="not_open")
        if draw.method != Method.DIRECT and draw.participant_count:
            raise Refused(_("People have joined this draw, so it can only end with its draw."), code="joined")
        back = draw.gifts - draw.given_count
        GiftDraw.objects.filter(pk=draw.pk).update(status=DrawStatus.CLOSED, drawn_at=now)
        GiftHolding.objects.filter(user_id=draw.giver_id, product_id=draw.product_id).update(
            in_draws=F("in_draws") - back, available=F("available") + back, returned=F("returned") + back)
    if draw.method == Method.TIMED:
        jobs.unschedule_draw(draw)
    draw.refresh_from_db()
    return draw


# --- winners' shipping ---------------------------------------------------------------------------
def give_address(*, draw_id: int, user, address, now: datetime) -> Participant:
    """A winner tells us where to send the gift (from their address book); changeable until sent."""
    if address is None or address.user_id != user.pk:
        raise Refused(_("Choose the address we send the gift to."), code="address")
    with transaction.atomic():
        entry = Participant.objects.select_for_update().filter(draw_id=draw_id, user=user, won=True).first()
        if entry is None:
            raise Participant.DoesNotExist
        if entry.shipped_at is not None:
            raise Refused(_("Your gift has already been sent."), code="sent")
        entry.shipping = {"name": address.name, "phone": address.phone, "address": address.address}
        entry.shipping_at = now
        entry.save(update_fields=["shipping", "shipping_at"])
    return entry


def mark_sent(*, participant_id: int, operator, tracking: str, now: datetime) -> Participant:
    """An operator marks a winner's gift sent (once), with an optional tracking reference."""
    tracking = (tracking or "").strip()[:80]
    with transaction.atomic():
        entry = Participant.objects.select_for_update(of=("self",)).select_related("draw__product").filter(
            pk=participant_id).first()
        if entry is None:
            raise Participant.DoesNotExist
        if not entry.won:
            raise Refused(_("Only a winner's gift is sent."), code="not_winner")
        if entry.shipped_at is not None:
            return entry
        if not entry.shipping:
            raise Refused(_("The winner has not given an address yet."), code="no_address")
        entry.shipped_at, entry.tracking = now, tracking
        entry.save(update_fields=["shipped_at", "tracking"])
        audit.record(actor=operator, action="gift.sent", target=entry.draw, before={"sent": None},
                     after={"sent": entry.user.get_username(), "tracking": tracking})
        notify(entry.user, Text(T.SENT, package=entry.draw.product.title, tracking=tracking or "—"),
               url=entry.draw.get_absolute_url())
    return entry

