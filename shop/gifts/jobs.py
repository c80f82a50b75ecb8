"""The one-off django-q2 job of gift draws (SPEC §9): ``gift:<id>:draw`` at a timed draw's time.

A hint for timeliness only: the sweeper (``tasks.apply_due``) and the first read after the time
draw it too, and :func:`services.draw_now` draws once whoever comes first.
"""

from __future__ import annotations

from django.db import transaction

from shop.scheduling.services import job_name, schedule_once, unschedule

DRAW_JOB = "shop.gifts.tasks.draw"


def schedule_draw(draw) -> None:
    transaction.on_commit(lambda: schedule_once(job_name("gift", draw.pk, "draw"), DRAW_JOB, draw.draws_at, draw.pk))


def unschedule_draw(draw) -> None:
    transaction.on_commit(lambda: unschedule(job_name("gift", draw.pk, "draw")))
