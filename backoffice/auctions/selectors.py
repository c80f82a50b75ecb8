"""Read-only helpers of the auctions area: sessions with their lot counts, what an operator sees
of a lot (deposits, standing maxima, outcome), the results CSV and the live sessions."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from shop.auctions.models import AuctionSession, Deposit, Lot, LotResult, ProxyBid

from ..campaigns.selectors import safe_cell

RESULTS_HEADER = ["catalogue_no", "lot", "status", "winner", "final_price", "order_number", "order_status"]


def sessions_with_counts(sessions: QuerySet) -> QuerySet:
    lots = (Lot.objects.filter(session=OuterRef("pk"), is_deleted=False).order_by().values("session")
            .annotate(n=Count("id")).values("n"))
    return sessions.annotate(lot_count=Coalesce(Subquery(lots, output_field=IntegerField()), 0))


def live_sessions(now: datetime) -> QuerySet:
    """Sessions bidding now, by the clock."""
    return AuctionSession.objects.alive().filter(starts_at__lte=now, ends_at__gt=now).order_by("ends_at", "id")


def session_lots(session: AuctionSession) -> QuerySet:
    return session.lots.filter(is_deleted=False).select_related("leader")


def lot_deposits(lot: Lot) -> list[Deposit]:
    """The deposits that let shoppers bid on ``lot``: its own and the session's."""
    return list(Deposit.objects.filter(Q(lot=lot) | Q(session_id=lot.session_id, lot__isnull=True))
                .select_related("user").order_by("-created_at", "-id"))


def lot_maxima(lot: Lot) -> list[ProxyBid]:
    """The standing automatic-bidding maxima (operators only), highest first; equal maxima: the
    earlier leads."""
    return list(ProxyBid.objects.filter(lot=lot).select_related("user").order_by("-maximum", "placed_at", "id"))


def lot_result(lot: Lot) -> LotResult | None:
    return LotResult.objects.filter(lot=lot).select_related("winner", "order").first()


def results_rows(session: AuctionSession, now: datetime):
    """One row per lot of the session (``RESULTS_HEADER``): status by the clock, the winner's
    username, final price, order number and status; cells that a spreadsheet would run as a
    formula are quoted."""
    results = {r.lot_id: r for r in LotResult.objects.filter(lot__session=session).select_related("winner", "order")}
    for lot in session.lots.filter(is_deleted=False).order_by("position", "id"):
        result = results.get(lot.pk)
        order = result.order if result else None
        row = [lot.catalogue_no, lot.title, lot.state_at(now, session),
               result.winner.username if result and result.winner else "",
               str(result.final_price) if result and result.final_price is not None else "",
               order.number if order else "", order.status if order else ""]
        yield [safe_cell(value) for value in row]
