"""django-q2 entry points for auctions (SPEC §9). Each is idempotent."""

from datetime import datetime

from shop.core import clock

from . import settlement


def sync_session(session_id: int) -> int:
    """Jobs ``auction:<id>:preview|start|end``: the stored status follows the clock (and at the end,
    whatever is due settles)."""
    now = clock.now()
    moved = settlement.sync_session(session_id, now=now)
    return moved + settlement.close_session(session_id, now=now)


def settle_lot(lot_id: int) -> bool:
    """Job ``lot:<id>:settle`` at the lot's end (moved by soft close)."""
    return settlement.settle_lot(lot_id, now=clock.now())


def apply_due(now: datetime) -> int:
    """The sweeper: session states, lots past their end, sessions to close."""
    return settlement.apply_due(now)
