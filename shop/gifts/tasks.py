"""django-q2 entry points for gift draws (SPEC §9). Each is idempotent."""

from datetime import datetime

from shop.core import clock

from . import services


def draw(draw_id: int) -> bool:
    """Job ``gift:<id>:draw`` at a timed draw's time."""
    return services.draw_now(draw_id, now=clock.now())


def apply_due(now: datetime) -> int:
    """The sweeper: timed draws past their time that were not drawn."""
    return services.apply_due(now)
