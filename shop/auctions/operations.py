"""Operator writes for auctions (SPEC §7, §8, §9): sessions and their lots, comment colours and
banned words.

Each write is one transaction that locks what it changes, re-checks the rules against the clock,
writes, and records an audit event (``shop.core.audit.record``, before/after). Uploads are stored
before the transaction opens (``stored_first``); jobs are (re)scheduled after commit. Sessions and
lots can be changed only until bidding starts by the clock (the session's texts and cover stay
editable); a session whose times move takes along the end of every lot nobody has bid on, and
the validity of its session coupons. Shopper writes are in :mod:`.services`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from shop.core import audit
from shop.core.errors import DomainError
from shop.core.money import format_money
from shop.core.uploads import stored_first
from shop.coupons.models import Coupon

from . import jobs, services
from .models import (
    MAX_PRICE,
    SETTLED_STATES,
    AuctionSession,
    BannedWord,
    CommentColour,
    Deposit,
    DepositState,
    Lot,
    LotState,
    SessionState,
)

SESSION_FIELDS = ["title", "description", "cover", "preview_starts_at", "preview_ends_at", "starts_at", "ends_at",
                  "deposit"]
TIME_FIELDS = ["preview_starts_at", "preview_ends_at", "starts_at", "ends_at"]
LOCKED_ONCE_STARTED = [*TIME_FIELDS, "deposit"]
LOT_FIELDS = ["title", "description", "cover", "start_price", "increment", "reference_low", "reference_high",
              "deposit"]
COLOUR_FIELDS = ["name", "css", "asset", "price", "is_active"]
COLOUR_ASSETS = ("gem", "gold")
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
CENT = Decimal("0.01")
WORD_MAX = BannedWord._meta.get_field("word").max_length
MAX_WORD_LINES = 1000


class Invalid(DomainError):
    """A definition that breaks a rule; ``errors`` maps field names to messages (None: the form)."""

    def __init__(self, errors: dict[str | None, str]):
        super().__init__(" ".join(errors.values()), code="invalid")
        self.errors = errors


# --- rules ---------------------------------------------------------------------------------------
def bidding_started(session: AuctionSession, now: datetime) -> bool:
    """By the clock: from the session's bidding start on, its times, deposit and lots are fixed."""
    return now >= session.starts_at


def _amount_error(value, *, required: bool, what: str) -> str | None:
    """Why ``value`` is not a positive amount of at most MAX_PRICE in cents (None if it is)."""
    if value is None:
        return _("Enter %(what)s.") % {"what": what} if required else None
    if value <= 0:
        return _("Enter %(what)s greater than zero.") % {"what": what}
    if value > MAX_PRICE:
        return _("Enter %(what)s of at most %(most)s.") % {"what": what, "most": format_money(MAX_PRICE)}
    if value != value.quantize(CENT):
        return _("Enter %(what)s in whole cents.") % {"what": what}
    return None


def _cents(value):
    """An amount as stored (two places), so records and audit rows read ``250.00``."""
    return value.quantize(CENT) if isinstance(value, Decimal) else value


def session_errors(data: Mapping[str, Any]) -> dict[str | None, str]:
    """What is wrong with a session's definition (empty if nothing): preview start < preview end
    ≤ bidding start < bidding end, each message next to the time that breaks the order; an
    optional deposit above zero."""
    errors: dict[str | None, str] = {}
    if not (data.get("title") or "").strip():
        errors["title"] = _("Enter a title.")
    for name in TIME_FIELDS:
        if data.get(name) is None:
            errors[name] = _("Enter a date and time.")
        elif data[name] >= LATEST:
            errors[name] = _("Enter a date before the year 2100.")
    preview_starts, preview_ends, starts, ends = (data.get(name) for name in TIME_FIELDS)
    if preview_starts and preview_ends and preview_ends <= preview_starts and "preview_ends_at" not in errors:
        errors["preview_ends_at"] = _("The preview must end after it starts.")
    if preview_ends and starts and starts < preview_ends and "starts_at" not in errors:
        errors["starts_at"] = _("Bidding can start when the preview ends or later, not before.")
    if starts and ends and ends <= starts and "ends_at" not in errors:
        errors["ends_at"] = _("Bidding must end after it starts.")
    if message := _amount_error(data.get("deposit"), required=False, what=_("a deposit")):
        errors["deposit"] = message
    return errors


def lot_errors(data: Mapping[str, Any]) -> dict[str | None, str]:
    """What is wrong with a lot's definition: prices above zero and at most MAX_PRICE, a
    reference range whose end is not below its start."""
    errors: dict[str | None, str] = {}
    if not (data.get("title") or "").strip():
        errors["title"] = _("Enter a title.")
    for name, required, what in (("start_price", True, _("a start price")), ("increment", True, _("an increment")),
                                 ("reference_low", False, _("a price")), ("reference_high", False, _("a price")),
                                 ("deposit", False, _("a deposit"))):
        if message := _amount_error(data.get(name), required=required, what=what):
            errors[name] = message
    low, high = data.get("reference_low"), data.get("reference_high")
    if low is not None and high is not None and high < low and "reference_high" not in errors:
        errors["reference_high"] = _("The reference range must not end below where it starts.")
    return errors


def colour_errors(data: Mapping[str, Any]) -> dict[str | None, str]:
    errors: dict[str | None, str] = {}
    if not (data.get("name") or "").strip():
        errors["name"] = _("Enter a name.")
    if not HEX_COLOUR.match(data.get("css") or ""):
        errors["css"] = _("Enter a colour as # and six hexadecimal digits, such as #d63384.")
    if data.get("asset") not in COLOUR_ASSETS:
        errors["asset"] = _("Choose gems or gold.")
    if message := _amount_error(data.get("price"), required=True, what=_("a price")):
        errors["price"] = message
    return errors


# --- sessions ------------------------------------------------------------------------------------
def _lot_state_for(session_state: str) -> str:
    """The stored status of a lot nobody could bid on yet, for its session's state."""
    return {SessionState.PREVIEW: LotState.PREVIEW, SessionState.BIDDING: LotState.BIDDING}.get(
        session_state, LotState.NOT_STARTED)


def _set_cover(obj, cover) -> None:
    """``cover`` as :func:`stored_first` hands it over: False clears, a stored name replaces,
    anything else (nothing new uploaded) keeps the current one."""
    if cover is False:
        obj.cover = ""
    elif isinstance(cover, str) and cover:
        obj.cover = cover


def session_save(*, actor, data: Mapping[str, Any], now: datetime, session_id: int | None = None) -> AuctionSession:
    """Create (``session_id`` None) or edit a session. Raises ``Invalid`` (field messages) or
    ``DomainError``. Once bidding has started (by the clock) its times and deposit are fixed.
    Moving the times moves the end of every lot without bids and the validity of the session's
    coupons; the session's jobs are (re)scheduled after commit."""
    with stored_first(AuctionSession._meta.get_field("cover"), data.get("cover")) as cover:
        return _session_save(actor=actor, data={**data, "cover": cover}, now=now, session_id=session_id)


@transaction.atomic
def _session_save(*, actor, data: Mapping[str, Any], now: datetime, session_id: int | None) -> AuctionSession:
    errors = session_errors(data)
    if errors:
        raise Invalid(errors)
    if session_id is not None:
        session = AuctionSession.objects.select_for_update().filter(pk=session_id, is_deleted=False).first()
        if session is None:
            raise DomainError(_("This auction session no longer exists."), code="missing")
        before = audit.snapshot(session, SESSION_FIELDS)
    else:
        session, before = AuctionSession(), None
    changed = [name for name in LOCKED_ONCE_STARTED if getattr(session, name) != data.get(name)]
    if before is not None and changed and bidding_started(session, now):
        raise DomainError(_("Bidding has started: the times and the deposit of this session can no longer change."),
                          code="started")
    times_moved = before is None or any(name in changed for name in TIME_FIELDS)
    if times_moved and data["ends_at"] <= now:
        raise Invalid({"ends_at": _("Bidding must end in the future.")})
    session.title = data["title"].strip()
    session.description = (data.get("description") or "").strip()
    for name in LOCKED_ONCE_STARTED:
        setattr(session, name, _cents(data.get(name)))
    _set_cover(session, data.get("cover"))
    if times_moved:
        session.status = session.state_at(now)
    session.save()
    after = audit.snapshot(session, SESSION_FIELDS)
    if before is not None and times_moved:
        after.update(_follow_session_times(session))
    audit.record(actor=actor, action="auction_session.update" if before else "auction_session.create",
                 target=session, before=before, after=after)
    transaction.on_commit(lambda: jobs.schedule_session(session))
    return session


def _follow_session_times(session: AuctionSession) -> dict:
    """The session's times moved (before bidding): its lots without bids end with it and read
    its state; its coupons stay valid until 24 hours after its new end."""
    from shop.coupons import rules as coupon_rules
    from shop.coupons.models import ClaimedCoupon, ClaimedStatus, Coupon, CouponScope

    lots = Lot.objects.filter(session=session, is_deleted=False, bid_count=0, leader__isnull=True).exclude(
        status__in=SETTLED_STATES)
    moved = lots.update(ends_at=session.ends_at, hard_ends_at=session.ends_at + services.hard_end(),
                        status=_lot_state_for(session.status), version=F("version") + 1)
    until = session.ends_at + coupon_rules.SESSION_GRACE
    coupons = Coupon.objects.filter(auction_session=session, scope=CouponScope.SESSION, valid_days__isnull=True)
    coupons_moved = coupons.exclude(valid_until=until).update(valid_until=until)
    claimed_moved = ClaimedCoupon.objects.filter(coupon__in=coupons, status=ClaimedStatus.UNUSED).exclude(
        valid_until=until).update(valid_until=until)
    return {"lots_moved": moved, "coupons_moved": coupons_moved, "claimed_coupons_moved": claimed_moved}


def _refuse_with_pending_deposits(deposits, message: str) -> list[int]:
    """The held deposits among ``deposits`` (to refund); refused while one is being paid online."""
    if deposits.filter(status=DepositState.PENDING).exists():
        raise DomainError(message, code="deposit_pending")
    return list(deposits.filter(status=DepositState.HELD, applied_to__isnull=True).values_list("pk", flat=True))


@transaction.atomic
def session_delete(*, actor, session_id: int, now: datetime) -> AuctionSession:
    """Soft delete before bidding starts (refused afterwards); the deposits shoppers hold for it
    go back to their balance, its coupons are withdrawn, its jobs are cancelled after commit."""
    session = AuctionSession.objects.select_for_update().filter(pk=session_id, is_deleted=False).first()
    if session is None:
        raise DomainError(_("This auction session no longer exists."), code="missing")
    if bidding_started(session, now):
        raise DomainError(_("Bidding has started: this session can no longer be deleted."), code="started")
    held = _refuse_with_pending_deposits(
        Deposit.objects.filter(session=session),
        _("A shopper is paying a deposit for this session right now: delete it once that payment has finished or "
          "timed out."))
    session.is_deleted, session.deleted_at = True, now
    session.save(update_fields=["is_deleted", "deleted_at", "updated_at"])
    refunded = sum(services.refund_deposit(pk, now=now) for pk in held)
    withdrawn = Coupon.objects.filter(auction_session=session, is_deleted=False).update(is_deleted=True,
                                                                                        deleted_at=now)
    audit.record(actor=actor, action="auction_session.delete", target=session, before={"is_deleted": False},
                 after={"is_deleted": True, "deposits_refunded": refunded, "coupons_withdrawn": withdrawn})
    transaction.on_commit(lambda: jobs.unschedule_session(session))
    return session


# --- lots ----------------------------------------------------------------------------------------
def _open_session(session_id: int, now: datetime) -> AuctionSession:
    session = AuctionSession.objects.select_for_update().filter(pk=session_id, is_deleted=False).first()
    if session is None:
        raise DomainError(_("This auction session no longer exists."), code="missing")
    if bidding_started(session, now):
        raise DomainError(_("Bidding has started: lots can no longer be added, changed or removed."),
                          code="started")
    return session


def lot_save(*, actor, session_id: int, data: Mapping[str, Any], now: datetime, lot_id: int | None = None) -> Lot:
    """Add a lot to a session (a new catalogue number, the session's end as its end) or edit one,
    before bidding starts. Raises ``Invalid`` or ``DomainError``."""
    with stored_first(Lot._meta.get_field("cover"), data.get("cover")) as cover:
        return _lot_save(actor=actor, session_id=session_id, data={**data, "cover": cover}, now=now, lot_id=lot_id)


@transaction.atomic
def _lot_save(*, actor, session_id: int, data: Mapping[str, Any], now: datetime, lot_id: int | None) -> Lot:
    errors = lot_errors(data)
    if errors:
        raise Invalid(errors)
    session = _open_session(session_id, now)  # held: the session's times cannot move meanwhile
    fields = {name: _cents(data.get(name)) for name in LOT_FIELDS if name != "cover"}
    fields["title"] = fields["title"].strip()
    fields["description"] = (fields["description"] or "").strip()
    if lot_id is None:
        lot = services.new_lot(session, status=_lot_state_for(session.state_at(now)), **fields,
                               **({"cover": data["cover"]} if isinstance(data.get("cover"), str) else {}))
        audit.record(actor=actor, action="lot.create", target=lot,
                     after={"catalogue_no": lot.catalogue_no, **audit.snapshot(lot, LOT_FIELDS)})
        transaction.on_commit(lambda: jobs.schedule_settlement(lot))
        return lot
    lot = Lot.objects.select_for_update().filter(pk=lot_id, session=session, is_deleted=False).first()
    if lot is None:
        raise DomainError(_("This lot no longer exists."), code="missing")
    before = audit.snapshot(lot, LOT_FIELDS)
    for name, value in fields.items():
        setattr(lot, name, value)
    _set_cover(lot, data.get("cover"))
    lot.version += 1
    lot.save(update_fields=[*LOT_FIELDS, "version"])
    audit.record(actor=actor, action="lot.update", target=lot, before=before, after=audit.snapshot(lot, LOT_FIELDS))
    return lot


@transaction.atomic
def lot_delete(*, actor, lot_id: int, now: datetime) -> Lot:
    """Soft delete before bidding starts; held deposits for the lot go back, its settlement job
    is cancelled after commit."""
    lot = Lot.objects.filter(pk=lot_id, is_deleted=False).first()
    if lot is None:
        raise DomainError(_("This lot no longer exists."), code="missing")
    _open_session(lot.session_id, now)
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    held = _refuse_with_pending_deposits(
        Deposit.objects.filter(lot=lot),
        _("A shopper is paying the deposit of this lot right now: delete it once that payment has finished or timed "
          "out."))
    Lot.objects.filter(pk=lot.pk).update(is_deleted=True, version=F("version") + 1)
    refunded = sum(services.refund_deposit(pk, now=now) for pk in held)
    audit.record(actor=actor, action="lot.delete", target=lot, before={"is_deleted": False},
                 after={"is_deleted": True, "deposits_refunded": refunded})
    transaction.on_commit(lambda: jobs.unschedule_lot(lot))
    lot.is_deleted = True
    return lot


# --- live comments: colours and banned words ------------------------------------------------------
@transaction.atomic
def colour_save(*, actor, data: Mapping[str, Any], colour_id: int | None = None) -> CommentColour:
    errors = colour_errors(data)
    if errors:
        raise Invalid(errors)
    if colour_id is not None:
        colour = CommentColour.objects.select_for_update().filter(pk=colour_id).first()
        if colour is None:
            raise DomainError(_("This colour no longer exists."), code="missing")
        before = audit.snapshot(colour, COLOUR_FIELDS)
    else:
        colour, before = CommentColour(), None
    colour.name, colour.css = data["name"].strip(), data["css"].lower()
    colour.asset, colour.price, colour.is_active = data["asset"], _cents(data["price"]), bool(data.get("is_active"))
    colour.save()
    audit.record(actor=actor, action="comment_colour.update" if before else "comment_colour.create", target=colour,
                 before=before, after=audit.snapshot(colour, COLOUR_FIELDS))
    return colour


@dataclass(frozen=True)
class WordsResult:
    added: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # repeated in what was typed
    existing: list[str] = field(default_factory=list)  # already on the list
    blanks: int = 0
    too_long: list[str] = field(default_factory=list)


_SPACES = re.compile(r"\s+")


def parse_words(text: str) -> tuple[list[str], list[str], int, list[str]]:
    """``(words, duplicates, blanks, too_long)`` from one word or phrase a line; repeats are
    found regardless of case (the filter ignores case)."""
    lines = (text or "").replace("\x00", "").splitlines()
    if len(lines) > MAX_WORD_LINES:
        raise Invalid({"words": _("Add at most %(most)s words at a time.") % {"most": MAX_WORD_LINES}})
    words, seen, duplicates, blanks, too_long = [], set(), [], 0, []
    for line in lines:
        word = _SPACES.sub(" ", line).strip()
        if not word:
            blanks += 1
        elif len(word) > WORD_MAX:
            too_long.append(word[:20] + "…")
        elif word.casefold() in seen:
            duplicates.append(word)
        else:
            seen.add(word.casefold())
            words.append(word)
    return words, duplicates, blanks, too_long


@transaction.atomic
def add_banned_words(*, actor, text: str) -> WordsResult:
    """Add every new word of ``text`` (one a line) to the banned words, each audited; report the
    repeated, already listed, blank and too long ones."""
    words, duplicates, blanks, too_long = parse_words(text)
    listed = {w.casefold() for w in BannedWord.objects.values_list("word", flat=True)}
    added, existing = [], []
    for word in words:
        if word.casefold() in listed:
            existing.append(word)
            continue
        try:
            with transaction.atomic():
                banned = BannedWord.objects.create(word=word)
        except IntegrityError:  # another operator added it meanwhile
            existing.append(word)
            continue
        audit.record(actor=actor, action="banned_word.create", target=banned, after={"word": word})
        added.append(word)
    return WordsResult(added=added, duplicates=duplicates, existing=existing, blanks=blanks, too_long=too_long)


@transaction.atomic
def delete_banned_word(*, actor, word_id: int) -> BannedWord:
    word = BannedWord.objects.select_for_update().filter(pk=word_id).first()
    if word is None:
        raise DomainError(_("This word is no longer on the list."), code="missing")
    audit.record(actor=actor, action="banned_word.delete", target=word, before={"word": word.word})
    word.delete()
    return word
