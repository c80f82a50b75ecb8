"""The one-off django-q2 jobs of auctions (SPEC §9), named after their object:

* ``auction:<id>:preview`` / ``:start`` / ``:end`` — the session's stored status follows the clock;
* ``lot:<id>:settle`` — at the lot's (possibly extended) end.

Each is a hint for timeliness only: ``tasks.apply_due`` (the sweeper) does whatever is due, and
reads go by the clock.
"""

from __future__ import annotations

from shop.scheduling.services import job_name, schedule_once, unschedule

SESSION_JOB = "shop.auctions.tasks.sync_session"
SETTLE_JOB = "shop.auctions.tasks.settle_lot"
SESSION_EVENTS = ("preview", "start", "end")


def schedule_session(session) -> None:
    """(Re)schedule the session's state jobs and every lot's settlement; call after commit."""
    times = dict(zip(SESSION_EVENTS, (session.preview_starts_at, session.starts_at, session.ends_at), strict=True))
    for event, when in times.items():
        schedule_once(job_name("auction", session.pk, event), SESSION_JOB, when, session.pk)
    for lot in session.lots.filter(is_deleted=False):
        schedule_settlement(lot)


def unschedule_session(session) -> None:
    for event in SESSION_EVENTS:
        unschedule(job_name("auction", session.pk, event))
    for lot in session.lots.all():
        unschedule_lot(lot)


def schedule_settlement(lot) -> None:
    schedule_once(job_name("lot", lot.pk, "settle"), SETTLE_JOB, lot.ends_at, lot.pk)


def unschedule_lot(lot) -> None:
    unschedule(job_name("lot", lot.pk, "settle"))
