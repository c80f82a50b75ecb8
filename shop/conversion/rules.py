"""The conversion rules as pure functions over plain data (no ORM): the page's checklist, the
preview and ``services.convert`` all call ``evaluate``/``quote``, so they cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats, timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from shop.core.money import CENT, format_credits, format_money
from shop.core.templatetags.text import nowrap

from .models import MAX_GEMS


@dataclass(frozen=True)
class Terms:
    rate: Decimal
    loss_percent: Decimal
    min_gems: Decimal
    opens_at: datetime
    closes_at: datetime
    monthly_quota: Decimal

    @property
    def shown_rate(self) -> str:
        """The rate as typed, at least to the cent: ``0.10``, ``0.1234``."""
        rate = self.rate.normalize()
        return f"{rate.quantize(CENT) if rate.as_tuple().exponent > -2 else rate:,}"

    @classmethod
    def of(cls, row) -> Terms | None:
        if row is None:
            return None
        return cls(row.rate, row.loss_percent, row.min_gems, row.opens_at, row.closes_at, row.monthly_quota)


@dataclass(frozen=True)
class Quote:
    gems: Decimal
    gross: Decimal  # gems × rate, rounded up to the cent
    credited: Decimal  # gems × rate × (1 − loss/100), rounded up to the cent (the shopper's favour)


def quote(gems: Decimal, terms: Terms) -> Quote:
    gross = gems * terms.rate
    net = gross * (Decimal(100) - terms.loss_percent) / Decimal(100)
    return Quote(gems, gross.quantize(CENT, rounding=ROUND_CEILING), net.quantize(CENT, rounding=ROUND_CEILING))


def site_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def month_of(now: datetime) -> str:
    """The calendar month of ``now`` in the site's time zone: ``"2026-11"``."""
    return now.astimezone(site_zone()).strftime("%Y-%m")


def next_month_start(now: datetime) -> datetime:
    """Midnight (site time) of the first day of the month after ``now``'s."""
    local = now.astimezone(site_zone())
    first = (local.replace(day=28) + timedelta(days=4)).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return first.replace(tzinfo=site_zone())


def shown_time(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment, site_zone()), "Y-m-d H:i")


@dataclass(frozen=True)
class Facts:
    """What the rules look at, read by the caller (the page or the service)."""

    terms: Terms | None
    now: datetime
    verified: bool
    converted_this_month: bool
    wallet_gems: Decimal
    quota_left: Decimal  # this month's quota minus what is used (the settings' quota before first use)
    gems: Decimal | None = None  # the amount asked for; None = not entered yet


@dataclass(frozen=True)
class Rule:
    code: str
    label: str
    ok: bool | None  # None: not checked until an amount is entered
    detail: str = ""

    @property
    def blocks(self) -> bool:
        return self.ok is False


def _unbroken(message: str, **parts: str) -> SafeString:
    """``message`` with its ``parts`` (dates, months) each kept on one line — a phone otherwise
    breaks "2026-11-30" at a hyphen."""
    return mark_safe(conditional_escape(message) % {name: nowrap(value) for name, value in parts.items()})


def evaluate(facts: Facts) -> list[Rule]:
    """Every rule, in the order they are explained, with whether it passes and why not."""
    terms, now, gems = facts.terms, facts.now, facts.gems
    if terms is None:
        return [Rule("not_configured", _("Conversion is set up"), False,
                     _("Conversion is not available yet: no rate has been set."))]
    rules = []
    # 1. the window: opens_at inclusive, closes_at exclusive
    window = _unbroken(_("Inside the conversion window (%(opens)s – %(closes)s)"),
                       opens=shown_time(terms.opens_at), closes=shown_time(terms.closes_at))
    if now < terms.opens_at:
        rules.append(Rule("window", window, False, _("Conversion opens at %(at)s.") % {"at": shown_time(terms.opens_at)}))
    elif now >= terms.closes_at:
        rules.append(Rule("window", window, False, _("Conversion closed at %(at)s.") % {"at": shown_time(terms.closes_at)}))
    else:
        rules.append(Rule("window", window, True))
    # 2. identity
    rules.append(Rule("not_verified", _("Identity verified"), facts.verified,
                      "" if facts.verified else _("Only identity-verified shoppers can convert gems. "
                                                  "Ask support to verify your identity.")))
    # 3. once a calendar month
    once = _unbroken(_("Not converted yet this month (%(month)s)"), month=month_of(now))
    rules.append(Rule("once_a_month", once, not facts.converted_this_month,
                      _("You have already converted gems this month. You can convert again from %(at)s.")
                      % {"at": shown_time(next_month_start(now))} if facts.converted_this_month else ""))
    # 4. the minimum
    minimum = _("At least %(min)s gems") % {"min": format_credits(terms.min_gems)}
    if gems is not None:
        ok = gems >= terms.min_gems
        detail = "" if ok else _("Convert at least %(min)s gems at a time.") % {"min": format_credits(terms.min_gems)}
        rules.append(Rule("minimum", minimum, ok, detail))
    elif facts.wallet_gems < terms.min_gems:
        rules.append(Rule("minimum", minimum, False, _("You have %(have)s gems; at least %(min)s are needed.")
                          % {"have": format_credits(facts.wallet_gems), "min": format_credits(terms.min_gems)}))
    else:
        rules.append(Rule("minimum", minimum, None))
    # 5. enough gems
    enough = _("No more than your %(have)s gems") % {"have": format_credits(facts.wallet_gems)}
    if gems is None:
        rules.append(Rule("insufficient_gems", enough, None))
    else:
        ok = gems <= facts.wallet_gems
        rules.append(Rule("insufficient_gems", enough, ok, "" if ok else _(
            "You have only %(have)s gems.") % {"have": format_credits(facts.wallet_gems)}))
    # 6. this month's platform-wide quota
    left = max(facts.quota_left, Decimal("0.00"))
    within = _("Within this month's quota (%(left)s left)") % {"left": format_money(left)}
    if left <= 0:
        rules.append(Rule("quota", within, False, quota_message(left, Decimal("0.00"))))
    elif gems is None:
        rules.append(Rule("quota", within, True))
    else:
        credited = quote(min(gems, MAX_GEMS), terms).credited
        ok = credited <= left
        rules.append(Rule("quota", within, ok, "" if ok else quota_message(left, credited)))
    return rules


def quota_message(left: Decimal, credited: Decimal) -> str:
    if left <= 0:
        return _("This month's conversion quota is used up. Try again next month.")
    return _("Only %(left)s of this month's quota is left; this conversion would credit %(credited)s. "
             "Convert fewer gems.") % {"left": format_money(left), "credited": format_money(credited)}


def first_block(rules: list[Rule]) -> Rule | None:
    return next((rule for rule in rules if rule.blocks), None)
