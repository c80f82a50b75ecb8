"""Read-only helpers of the gift-draws area: a draw's status by the clock, the draws with their
gifts to send, and the winners CSV."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shop.gifts.models import DrawStatus, GiftDraw, Participant, due_at

from ..campaigns.selectors import safe_cell

#: a draw's status as operators see it, read against the clock: a timed draw past its time that
#: the job or the sweeper has not drawn yet is "drawing", not "open"
OPEN, DUE, DRAWN, CLOSED = "open", "due", "drawn", "closed"
STATES = [(OPEN, pgettext_lazy("gift draw", "Open")), (DUE, _("Drawing (due)")),
          (DRAWN, pgettext_lazy("gift draw", "Drawn")), (CLOSED, _("Closed by the giver"))]
STATE_LABELS = dict(STATES)


def state_at(draw: GiftDraw, now: datetime) -> str:
    if draw.is_due(now):
        return DUE
    return {DrawStatus.DRAWN: DRAWN, DrawStatus.CLOSED: CLOSED}.get(draw.status, OPEN)


def by_state(draws: QuerySet, state: str, now: datetime) -> QuerySet:
    """``draws`` whose :func:`state_at` ``now`` is ``state``, in SQL."""
    due = due_at(now)
    if state == DUE:
        return draws.filter(due)
    if state == OPEN:
        return draws.filter(status=DrawStatus.OPEN).exclude(due)
    return draws.filter(status=DrawStatus.DRAWN if state == DRAWN else DrawStatus.CLOSED)


def to_send() -> QuerySet:
    """Winners who gave an address and whose gift has not been sent yet."""
    return Participant.objects.filter(won=True, shipping__isnull=False, shipped_at__isnull=True)


def draws_with_counts(draws: QuerySet) -> QuerySet:
    """``draws`` with giver and package, and ``to_send`` (gifts waiting for an operator)."""
    waiting = to_send().filter(draw=OuterRef("pk")).order_by().values("draw").annotate(n=Count("id")).values("n")
    return draws.select_related("giver", "product").annotate(
        to_send=Coalesce(Subquery(waiting, output_field=IntegerField()), 0))


def participant_counts(draw: GiftDraw) -> dict:
    return Participant.objects.filter(draw=draw).aggregate(
        winners=Count("id", filter=Q(won=True)),
        to_send=Count("id", filter=Q(won=True, shipping__isnull=False, shipped_at__isnull=True)),
        no_address=Count("id", filter=Q(won=True, shipping__isnull=True)),
        sent=Count("id", filter=Q(shipped_at__isnull=False)))


# --- winners CSV ---------------------------------------------------------------------------------
WINNERS_HEADER = ["draw", "token", "package", "winner", "name", "phone", "address", "address_given_at", "sent_at",
                  "tracking"]


def winners() -> QuerySet:
    return (Participant.objects.filter(won=True).select_related("draw__product", "user")
            .order_by("draw__created_at", "draw_id", "position"))


def _time(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def winner_row(entry: Participant) -> list[str]:
    """One CSV row (``WINNERS_HEADER``); cells a spreadsheet would run as a formula are quoted."""
    ship = entry.shipping or {}
    row = [entry.draw_id, entry.draw.token, entry.draw.product.title, entry.user.username, ship.get("name", ""),
           ship.get("phone", ""), ship.get("address", ""), _time(entry.shipping_at), _time(entry.shipped_at),
           entry.tracking]
    return [safe_cell(value) for value in row]
