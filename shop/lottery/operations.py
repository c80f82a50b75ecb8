"""Operator writes for campaigns (SPEC §5, §8, §9): campaigns with their prizes, redeem-code
pools and imports, shipping physical prizes, and the stored status kept in step with the clock.

Each write is one transaction, audited with ``shop.core.audit.record``; uploads are stored before
the transaction opens; window jobs are (re)scheduled after commit. Shopper writes are in
:mod:`.services`.
"""

from __future__ import annotations

import csv
import io
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from shop.core import audit
from shop.core.errors import DomainError
from shop.core.texts import Text
from shop.core.uploads import instance_files_stored_first
from shop.notifications.services import notify
from shop.scheduling.services import job_name, schedule_once, unschedule
from shop.wallet.models import SPENDABLE, WALLET_MAX

from . import texts
from .models import (
    MAX_CHANCES,
    MAX_COST,
    MAX_STOCK,
    MAX_WEIGHT,
    Campaign,
    CampaignKind,
    CampaignState,
    CodePool,
    Draw,
    Grant,
    Prize,
    PrizeOrder,
    PrizeOrderStatus,
    RedeemCode,
)

CAMPAIGN_FIELDS = ["title", "description", "cover", "kind", "starts_at", "ends_at", "is_paused", "members_only",
                   "verified_only", "phone_required", "draw_asset", "draw_cost", "free_chances", "draw_limit"]
PRIZE_FIELDS = ["title", "cover", "grant", "asset", "amount", "coupon", "pool", "weight", "win_limit",
                "is_default", "price", "position"]  # stock moves separately (see _set_stock)
POOL_FIELDS = ["name", "description", "members_gift"]
CODE_MAX_LENGTH = RedeemCode._meta.get_field("code").max_length
MAX_IMPORT_LINES = 100_000
TASK = "shop.lottery.tasks.sync_status"


class Invalid(DomainError):
    """A definition that breaks a rule; ``errors`` maps field names to messages (None: the form)."""

    def __init__(self, errors: dict[str | None, str]):
        super().__init__(" ".join(errors.values()), code="invalid")
        self.errors = errors


def _n(value) -> str:
    return f"{value:,}"


# --- rules ---------------------------------------------------------------------------------------
def campaign_errors(campaign: Campaign) -> dict[str | None, str]:
    """What is wrong with ``campaign``'s definition (empty if nothing): window order and bounds."""
    errors: dict[str | None, str] = {}
    if not (campaign.title or "").strip():
        errors["title"] = _("Enter a title.")
    if campaign.kind not in CampaignKind.values:
        errors["kind"] = _("Choose lottery or exchange.")
    if campaign.starts_at and campaign.ends_at and campaign.ends_at <= campaign.starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    cost = campaign.draw_cost
    if cost is None or cost < 0 or cost > MAX_COST:
        errors["draw_cost"] = _("Enter a draw cost from 0 to %(most)s credits.") % {"most": _n(MAX_COST)}
    if campaign.free_chances is None or not 0 <= campaign.free_chances <= MAX_CHANCES:
        errors["free_chances"] = _("Enter from 0 to %(most)s free chances.") % {"most": _n(MAX_CHANCES)}
    if campaign.draw_limit is not None and not 1 <= campaign.draw_limit <= MAX_CHANCES:
        errors["draw_limit"] = _("Enter from 1 to %(most)s draws, or leave it empty for no limit.") % {
            "most": _n(MAX_CHANCES)}
    return errors


def prize_errors(prize: Prize, *, kind: str) -> dict[str | None, str]:
    """What is wrong with one prize (or exchange item) of a campaign of ``kind``."""
    errors: dict[str | None, str] = {}
    if not (prize.title or "").strip():
        errors["title"] = _("Enter a title.")
    if prize.grant == Grant.CREDITS:
        if prize.asset not in dict(SPENDABLE):
            errors["asset"] = _("Choose what the credits are: balance, gems or gold.")
        if prize.amount is None or not 0 < prize.amount <= WALLET_MAX:
            errors["amount"] = _("Enter an amount above 0 and at most %(most)s.") % {"most": _n(WALLET_MAX)}
    elif prize.grant == Grant.COUPON:
        if prize.coupon_id is None:
            errors["coupon"] = _("Choose the coupon this prize gives.")
    elif prize.grant == Grant.CODE:
        if prize.pool_id is None:
            errors["pool"] = _("Choose the code pool this prize hands codes out from.")
    elif prize.grant != Grant.PHYSICAL:
        errors["grant"] = _("Choose what this prize gives.")
    if prize.weight is None or not 0 <= prize.weight <= MAX_WEIGHT:
        errors["weight"] = _("Enter a weight from 0 to %(most)s.") % {"most": _n(MAX_WEIGHT)}
    if prize.stock_left is None or not 0 <= prize.stock_left <= MAX_STOCK:
        errors["stock_left"] = _("Enter a stock from 0 to %(most)s.") % {"most": _n(MAX_STOCK)}
    if prize.win_limit is not None and not 1 <= prize.win_limit <= MAX_CHANCES:
        errors["win_limit"] = _("Enter from 1 to %(most)s, or leave it empty for no limit.") % {
            "most": _n(MAX_CHANCES)}
    if kind == CampaignKind.EXCHANGE:
        if prize.price is None or not 0 < prize.price <= MAX_COST:
            errors["price"] = _("Exchange items need a price above 0 and at most %(most)s credits.") % {
                "most": _n(MAX_COST)}
        if prize.is_default:
            errors["is_default"] = _("Exchange campaigns have no consolation prize.")
    elif prize.price is not None:
        errors["price"] = _("Only exchange items have a price: leave it empty for a lottery prize.")
    return errors


def tidy_grant(prize: Prize) -> None:
    """Keep only the fields the prize's grant uses (what the form hid may still carry values)."""
    if prize.grant != Grant.CREDITS:
        prize.asset, prize.amount = "", None
    if prize.grant != Grant.COUPON:
        prize.coupon = None
    if prize.grant != Grant.CODE:
        prize.pool = None


def stored_status(campaign: Campaign, now: datetime) -> str:
    """The stored ``status`` for ``now``: the window only (a pause is read from ``is_paused``)."""
    if now < campaign.starts_at:
        return CampaignState.SCHEDULED
    if now >= campaign.ends_at:
        return CampaignState.ENDED
    return CampaignState.ONLINE


# --- campaigns and prizes ------------------------------------------------------------------------
@dataclass
class PrizeRow:
    """One row of the prize editor: the prize with its edited fields, the stock the operator saw
    (``None`` for a new prize) and whether to remove it."""

    prize: Prize
    stock_seen: int | None = None
    remove: bool = False
    key: int | str | None = None  # the editor's row, for errors


class InvalidPrizes(DomainError):
    """``errors`` maps a row's ``key`` to its field errors."""

    def __init__(self, errors: dict, message: str = ""):
        first = next(iter(errors.values()), {})
        super().__init__(message or " ".join(first.values()), code="invalid_prizes")
        self.errors = errors


def schedule_jobs(campaign: Campaign, *, now: datetime) -> None:
    """After commit: a job for each window edge still ahead; edges already passed lose theirs
    (saving applied them, and the sweeper catches anything missed)."""

    def plan():
        for event, when in (("open", campaign.starts_at), ("close", campaign.ends_at)):
            name = job_name("campaign", campaign.pk, event)
            if when > now:
                schedule_once(name, TASK, when, campaign.pk)
            else:
                unschedule(name)

    transaction.on_commit(plan)


def campaign_save(*, campaign: Campaign, actor, now: datetime, prizes: list[PrizeRow] | None = None) -> Campaign:
    """Create or edit a campaign (and, with ``prizes``, its prizes in the same transaction).
    Raises ``Invalid`` (campaign fields), ``InvalidPrizes`` (rows) or ``DomainError``. New covers
    are written to storage first and removed again if the transaction fails."""
    new = [obj for obj in (campaign, *(row.prize for row in prizes or [])) if obj.pk is None]
    try:
        with ExitStack() as files:
            files.enter_context(instance_files_stored_first(campaign, "cover"))
            for row in prizes or []:
                if not row.remove:
                    files.enter_context(instance_files_stored_first(row.prize, "cover"))
            return _campaign_save(campaign=campaign, actor=actor, now=now, prizes=prizes)
    except BaseException:
        for obj in new:  # rolled back: what was new is new again (the form shows it so)
            obj.pk, obj._state.adding = None, True
        raise


@transaction.atomic
def _campaign_save(*, campaign: Campaign, actor, now: datetime, prizes: list[PrizeRow] | None) -> Campaign:
    errors = campaign_errors(campaign)
    if errors:
        raise Invalid(errors)
    before = None
    if campaign.pk:
        stored = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if stored.kind != campaign.kind and (stored.entries.exists() or stored.prize_orders.exists()):
            raise Invalid({"kind": _("Shoppers have already taken part: the kind can no longer change.")})
        before = audit.snapshot(stored, CAMPAIGN_FIELDS)
    campaign.status = stored_status(campaign, now)
    campaign.save()
    audit.record(actor=actor, action="campaign.update" if before else "campaign.create", target=campaign,
                 before=before, after=audit.snapshot(campaign, CAMPAIGN_FIELDS))
    if prizes is not None:
        prizes_save(campaign=campaign, rows=prizes, actor=actor)
    schedule_jobs(campaign, now=now)
    return campaign


@transaction.atomic
def prizes_save(*, campaign: Campaign, rows: list[PrizeRow], actor) -> list[Prize]:
    """Add, change and remove prizes of ``campaign``. At most one consolation prize; grant fields
    complete for their kind; exchange items priced. A prize already drawn or won cannot be
    removed (set its weight or stock to 0 instead). The stock is set only if it still is what the
    operator saw, so draws running meanwhile are never overwritten."""
    existing = {p.pk: p for p in Prize.objects.select_for_update().filter(campaign=campaign)}
    errors: dict = {}
    for row in rows:
        prize = row.prize
        if prize.pk is not None and prize.pk not in existing:
            raise DomainError(_("That prize does not belong to this campaign."), code="unknown_prize")
        if row.remove:
            continue
        prize.campaign = campaign
        tidy_grant(prize)
        if row_errors := prize_errors(prize, kind=campaign.kind):
            errors[row.key] = row_errors
    if errors:
        raise InvalidPrizes(errors)
    kept = {pk: p for pk, p in existing.items() if pk not in {r.prize.pk for r in rows if r.remove}}
    defaults = {r.prize.pk or id(r) for r in rows if not r.remove and r.prize.is_default}
    defaults |= {pk for pk, p in kept.items() if p.is_default and pk not in {r.prize.pk for r in rows}}
    if len(defaults) > 1:
        raise DomainError(_("Only one prize can be the consolation prize."), code="two_defaults")

    saved = []
    for row in rows:
        if row.remove and row.prize.pk is not None:
            _remove(existing[row.prize.pk], actor=actor)
    try:
        # not-default rows first, so moving the consolation prize never has two at once
        for row in sorted((r for r in rows if not r.remove), key=lambda r: r.prize.is_default):
            saved.append(_save_prize(row, existing.get(row.prize.pk), actor=actor))
    except IntegrityError:  # another operator's save made a different prize the consolation meanwhile
        raise DomainError(_("Only one prize can be the consolation prize."), code="two_defaults") from None
    return saved


def _save_prize(row: PrizeRow, stored: Prize | None, *, actor) -> Prize:
    prize = row.prize
    if stored is None:
        prize.stock_used = 0
        prize.save()
        audit.record(actor=actor, action="prize.create", target=prize,
                     after=audit.snapshot(prize, [*PRIZE_FIELDS, "stock_left"]))
        return prize
    before = audit.snapshot(stored, [*PRIZE_FIELDS, "stock_left"])
    prize.save(update_fields=PRIZE_FIELDS)
    if row.stock_seen is not None and prize.stock_left != row.stock_seen:
        _set_stock(prize, seen=row.stock_seen)
    prize.refresh_from_db(fields=["stock_left", "stock_used"])
    after = audit.snapshot(prize, [*PRIZE_FIELDS, "stock_left"])
    if after != before:
        audit.record(actor=actor, action="prize.update", target=prize, before=before, after=after)
    return prize


def _set_stock(prize: Prize, *, seen: int) -> None:
    if not Prize.objects.filter(pk=prize.pk, stock_left=seen).update(stock_left=prize.stock_left):
        now_left = Prize.objects.filter(pk=prize.pk).values_list("stock_left", flat=True).first()
        raise DomainError(
            _("The stock of “%(title)s” changed while you were editing (%(left)s left now). Check it and save "
              "again.") % {"title": prize.title, "left": now_left}, code="stock_moved")


def _remove(prize: Prize, *, actor) -> None:
    used = (PrizeOrder.objects.filter(prize=prize).exists()
            or Draw.objects.filter(Q(picked=prize) | Q(prize=prize)).exists())
    if used:
        raise DomainError(_("“%(title)s” has already been drawn or given out: set its weight or stock to 0 instead "
                            "of removing it.") % {"title": prize.title}, code="prize_used")
    audit.record(actor=actor, action="prize.delete", target=prize,
                 before=audit.snapshot(prize, [*PRIZE_FIELDS, "stock_left"]))
    try:
        with transaction.atomic():
            prize.delete()
    except ProtectedError:  # drawn meanwhile
        raise DomainError(_("“%(title)s” has already been drawn or given out: set its weight or stock to 0 instead "
                            "of removing it.") % {"title": prize.title}, code="prize_used") from None


def sync_status(campaign_id: int | None, *, now: datetime) -> int:
    """Move stored statuses to what the clock says, for one campaign or all (idempotent
    conditional UPDATEs: running twice, or from the job and the sweeper, has one effect)."""
    campaigns = Campaign.objects.all()
    if campaign_id is not None:
        campaigns = campaigns.filter(pk=campaign_id)
    moved = campaigns.filter(starts_at__lte=now, ends_at__gt=now).exclude(status=CampaignState.ONLINE).update(
        status=CampaignState.ONLINE)
    moved += campaigns.filter(ends_at__lte=now).exclude(status=CampaignState.ENDED).update(status=CampaignState.ENDED)
    moved += campaigns.filter(starts_at__gt=now).exclude(status=CampaignState.SCHEDULED).update(
        status=CampaignState.SCHEDULED)
    return moved


# --- redeem-code pools ---------------------------------------------------------------------------
@transaction.atomic
def pool_save(*, pool: CodePool, actor) -> CodePool:
    if not (pool.name or "").strip():
        raise Invalid({"name": _("Enter a name.")})
    before = audit.snapshot(CodePool.objects.select_for_update().get(pk=pool.pk), POOL_FIELDS) if pool.pk else None
    pool.save()
    audit.record(actor=actor, action="codepool.update" if before else "codepool.create", target=pool,
                 before=before, after=audit.snapshot(pool, POOL_FIELDS))
    return pool


@dataclass(frozen=True)
class ImportResult:
    added: int = 0
    duplicates: int = 0  # repeated within the input
    existing: int = 0  # already in the pool
    blanks: int = 0
    too_long: list[str] = field(default_factory=list)

    @property
    def read(self) -> int:
        return self.added + self.duplicates + self.existing + self.blanks + len(self.too_long)


def parse_codes(text: str, *, first_column: bool = False) -> tuple[list[str], int, int, list[str]]:
    """``(codes, duplicates, blanks, too_long)`` from pasted lines or (``first_column``) a CSV."""
    lines = (row[0] if row else "" for row in csv.reader(io.StringIO(text))) if first_column \
        else iter(text.splitlines())
    codes, seen, duplicates, blanks, too_long = [], set(), 0, 0, []
    for count, line in enumerate(lines, 1):
        if count > MAX_IMPORT_LINES:
            raise DomainError(_("Import at most %(most)s codes at a time.") % {"most": _n(MAX_IMPORT_LINES)},
                              code="too_many")
        code = line.strip()
        if not code:
            blanks += 1
        elif len(code) > CODE_MAX_LENGTH:
            too_long.append(code[:20] + "…")
        elif code in seen:
            duplicates += 1
        else:
            seen.add(code)
            codes.append(code)
    return codes, duplicates, blanks, too_long


def import_codes(*, pool: CodePool, text: str, actor, first_column: bool = False) -> ImportResult:
    """Add the codes of ``text`` (one a line, or the first column of a CSV) to ``pool``; report
    how many were added, repeated in the input, already in the pool, and blank. Parsing happens
    before the transaction; imports into one pool run one at a time (the pool row is locked)."""
    codes, duplicates, blanks, too_long = parse_codes(text, first_column=first_column)
    return _import(pool_id=pool.pk, codes=codes, duplicates=duplicates, blanks=blanks, too_long=too_long,
                   actor=actor)


@transaction.atomic
def _import(*, pool_id: int, codes: list[str], duplicates: int, blanks: int, too_long: list[str], actor):
    pool = CodePool.objects.select_for_update().get(pk=pool_id)
    existing = 0
    for start in range(0, len(codes), 500):
        existing += RedeemCode.objects.filter(pool=pool, code__in=codes[start:start + 500]).count()
    before = pool.codes.count()
    RedeemCode.objects.bulk_create([RedeemCode(pool=pool, code=c) for c in codes], batch_size=500,
                                   ignore_conflicts=True)
    added = pool.codes.count() - before
    result = ImportResult(added=added, duplicates=duplicates, existing=existing, blanks=blanks, too_long=too_long)
    audit.record(actor=actor, action="codepool.import", target=pool, before={"codes": before},
                 after={"codes": before + added, "added": added, "duplicates": duplicates, "existing": existing,
                        "blanks": blanks, "too_long": len(too_long)})
    return result


# --- physical prizes -----------------------------------------------------------------------------
MAX_SHIPPING_TEXT = 40


@transaction.atomic
def mark_shipped(*, order_number: str, carrier: str, tracking_no: str, actor, now: datetime) -> PrizeOrder:
    """*claimed* → *shipped* with the carrier and tracking number (one conditional UPDATE: a
    replayed form, or an order whose shopper has not sent their details, is refused with a
    message), then the shopper is told."""
    carrier, tracking_no = (carrier or "").strip(), (tracking_no or "").strip()
    if not carrier or not tracking_no:
        raise Invalid({**({"carrier": _("Enter the carrier.")} if not carrier else {}),
                       **({"tracking_no": _("Enter the tracking number.")} if not tracking_no else {})})
    if len(carrier) > MAX_SHIPPING_TEXT or len(tracking_no) > MAX_SHIPPING_TEXT:
        raise DomainError(_("Carrier and tracking number are at most %(most)s characters.") % {
            "most": MAX_SHIPPING_TEXT}, code="too_long")
    moved = PrizeOrder.objects.filter(number=order_number, status=PrizeOrderStatus.CLAIMED).update(
        status=PrizeOrderStatus.SHIPPED, carrier=carrier, tracking_no=tracking_no, shipped_at=now)
    order = PrizeOrder.objects.select_related("prize", "user").filter(number=order_number).first()
    if order is None:
        raise DomainError(_("This prize order does not exist."), code="missing")
    if not moved:
        if order.status == PrizeOrderStatus.SHIPPED:
            raise DomainError(_("Prize order %(number)s has already been shipped.") % {"number": order.number},
                              code="already_shipped")
        if order.status == PrizeOrderStatus.TO_CLAIM:
            raise DomainError(_("The shopper has not sent their name and address for %(number)s yet.") % {
                "number": order.number}, code="not_claimed")
        raise DomainError(_("Prize order %(number)s is not a physical prize waiting to ship.") % {
            "number": order.number}, code="not_physical")
    audit.record(actor=actor, action="prizeorder.ship", target=order, before={"status": PrizeOrderStatus.CLAIMED},
                 after={"status": PrizeOrderStatus.SHIPPED, "carrier": carrier, "tracking_no": tracking_no})
    notify(order.user, Text(texts.SHIPPED, prize=order.prize.title, carrier=carrier, tracking=tracking_no),
           url=reverse("lottery:my_prizes"))
    return order

