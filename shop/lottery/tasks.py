"""django-q2 entry points for campaigns (SPEC §9)."""

from datetime import datetime

from shop.core import clock

from . import operations


def sync_status(campaign_id: int) -> int:
    """Job ``campaign:<id>:open`` / ``campaign:<id>:close``: the stored status follows the clock."""
    return operations.sync_status(campaign_id, now=clock.now())


def apply_due(now: datetime) -> int:
    """The sweeper: every campaign whose stored status lags behind the clock."""
    return operations.sync_status(None, now=now)
