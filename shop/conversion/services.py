"""Writes of the credit conversion: ``convert`` (shoppers) and ``save_settings`` (operators).

``convert`` is one transaction: check the rules → insert the month's ``Conversion`` (its unique
constraint is the once-a-month rule, also under a replay or a double click) → debit the gems and
credit the balance through the wallet service → take the amount from the month's quota by one
conditional UPDATE (never above the quota, whatever runs at the same time) → notify (e-mailed after
commit).
A refusal anywhere rolls all of it back."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from shop.accounts.models import User
from shop.core import audit
from shop.core.errors import DomainError
from shop.core.money import CENT, format_credits
from shop.core.texts import Text
from shop.notifications.services import notify
from shop.wallet.models import Asset, EntryKind, Wallet
from shop.wallet.services import InsufficientFunds, credit, debit

from . import rules, texts
from .models import MAX_GEMS, MAX_QUOTA, SETTINGS_ID, Conversion, ConversionMonth, ConversionSettings

SETTINGS_FIELDS = ["rate", "loss_percent", "min_gems", "opens_at", "closes_at", "monthly_quota"]


def current_terms() -> rules.Terms | None:
    return rules.Terms.of(ConversionSettings.objects.filter(pk=SETTINGS_ID).first())


def month_row(month: str) -> ConversionMonth | None:
    return ConversionMonth.objects.filter(month=month).first()


def facts_for(user, *, now, gems: Decimal | None = None, terms: rules.Terms | None = None) -> rules.Facts:
    """What the rules need to know about ``user`` now (a few small reads)."""
    terms = terms if terms is not None else current_terms()
    month = rules.month_of(now)
    row = month_row(month)
    if row is not None:
        left = row.left
    else:
        left = terms.monthly_quota if terms else Decimal("0.00")
    wallet_gems = Wallet.objects.filter(user_id=user.pk).values_list("gem", flat=True).first() or Decimal("0.00")
    verified = User.objects.filter(pk=user.pk).values_list("is_verified", flat=True).first() or False
    return rules.Facts(
        terms=terms, now=now, verified=verified, wallet_gems=wallet_gems, quota_left=left, gems=gems,
        converted_this_month=Conversion.objects.filter(user_id=user.pk, month=month).exists(),
    )


def blocking_rules(user, now, gems: Decimal | None = None) -> list[rules.Rule]:
    """Every rule with pass (True) / block (False) / not yet checked (None), for the page."""
    return rules.evaluate(facts_for(user, now=now, gems=gems))


def gems_amount(value) -> Decimal:
    """``value`` as an amount of gems (two places at most, positive, within bounds), else DomainError."""
    try:
        gems = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError(_("Enter the number of gems, e.g. 150."), code="amount") from None
    if not gems.is_finite() or gems <= 0:
        raise DomainError(_("Enter a number of gems greater than zero."), code="amount")
    if gems > MAX_GEMS:
        raise DomainError(_("Enter at most %(max)s gems.") % {"max": format_credits(MAX_GEMS)}, code="amount")
    if gems != gems.quantize(CENT):
        raise DomainError(_("Gems have at most two decimal places."), code="amount")
    return gems.quantize(CENT)


def _refuse(rule: rules.Rule):
    raise DomainError(rule.detail, code=rule.code)


def _already(now) -> DomainError:
    return DomainError(_("You have already converted gems this month. You can convert again from %(at)s.")
                       % {"at": rules.shown_time(rules.next_month_start(now))}, code="once_a_month")


@transaction.atomic
def convert(*, user, gems, now, request_key: str = "") -> Conversion:
    """Convert ``gems`` of ``user`` into balance; raises DomainError (``code`` = the rule) if refused."""
    gems = gems_amount(gems)
    terms = current_terms()
    blocked = rules.first_block(rules.evaluate(facts_for(user, now=now, gems=gems, terms=terms)))
    if blocked:
        _refuse(blocked)
    month = rules.month_of(now)
    priced = rules.quote(gems, terms)
    if priced.gross > MAX_QUOTA:
        raise DomainError(_("That is more than one conversion can take; convert fewer gems."), code="amount")
    try:
        with transaction.atomic():  # a savepoint: the unique (user, month) row is the once-a-month rule
            conversion = Conversion.objects.create(
                user=user, month=month, gems=gems, rate=terms.rate, loss_percent=terms.loss_percent,
                gross=priced.gross, credited=priced.credited, request_key=request_key[:64], created_at=now,
            )
    except IntegrityError:
        raise _already(now) from None
    try:
        debit(user=user, asset=Asset.GEM, amount=gems, kind=EntryKind.EXPENSE, ref=conversion.ref,
              memo=Text(texts.GEMS_MEMO, month=month))
    except InsufficientFunds:
        raise DomainError(_("You don't have that many gems any more."), code="insufficient_gems") from None
    credit(user=user, asset=Asset.BALANCE, amount=priced.credited, kind=EntryKind.INCOME, ref=conversion.ref,
           memo=Text(texts.BALANCE_MEMO, gems=format_credits(gems), month=month))
    _take_from_quota(month, priced.credited, terms)
    notify(user, Text(texts.CONVERTED, gems=format_credits(gems), credited=priced.credited),
           url=reverse("wallet:wallet"))
    return conversion


def _take_from_quota(month: str, amount: Decimal, terms: rules.Terms) -> None:
    """``used = used + amount WHERE used + amount <= quota`` on the month's row (made at the
    month's first conversion with the settings' quota); refused when the quota can't cover it."""
    row, _created = ConversionMonth.objects.get_or_create(month=month, defaults={"quota": terms.monthly_quota})
    taken = ConversionMonth.objects.filter(pk=row.pk, used__lte=F("quota") - amount).update(used=F("used") + amount)
    if not taken:
        quota, used = ConversionMonth.objects.values_list("quota", "used").get(pk=row.pk)
        raise DomainError(rules.quota_message(quota - used, amount), code="quota")


class InvalidSettings(DomainError):
    """Settings out of bounds: ``errors`` maps field → message (the form shows them per field)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()), code="invalid_settings")
        self.errors = errors


def settings_errors(data: dict) -> dict[str, str]:
    """The bounds of the settings (the same as the CheckConstraints), with words."""
    from .models import MAX_LOSS, MAX_RATE, MIN_GEMS, MIN_RATE

    errors = {}
    rate, loss, minimum, quota = (data.get(name) for name in ("rate", "loss_percent", "min_gems", "monthly_quota"))
    if rate is not None and not MIN_RATE <= rate <= MAX_RATE:
        errors["rate"] = _("Enter a rate between %(low)s and %(high)s.") % {"low": MIN_RATE, "high": MAX_RATE}
    if loss is not None and not 0 <= loss <= MAX_LOSS:
        errors["loss_percent"] = _("Enter a loss rate between 0 and %(high)s %%.") % {"high": MAX_LOSS}
    if minimum is not None and not MIN_GEMS <= minimum <= MAX_GEMS:
        errors["min_gems"] = _("Enter a minimum between %(low)s and %(high)s gems.") % {
            "low": format_credits(MIN_GEMS), "high": format_credits(MAX_GEMS)}
    if quota is not None and not 0 <= quota <= MAX_QUOTA:
        errors["monthly_quota"] = _("Enter a quota between 0 and %(high)s.") % {"high": format_credits(MAX_QUOTA)}
    opens, closes = data.get("opens_at"), data.get("closes_at")
    if opens and closes and closes <= opens:
        errors["closes_at"] = _("The window must close after it opens.")
    return errors


@transaction.atomic
def save_settings(*, actor, data: dict, now) -> ConversionSettings:
    """Create or change the one settings row, audited with the values before and after."""
    errors = settings_errors(data)
    missing = [name for name in SETTINGS_FIELDS if data.get(name) is None]
    for name in missing:
        errors.setdefault(name, _("This field is required."))
    if errors:
        raise InvalidSettings(errors)
    row = ConversionSettings.objects.select_for_update().filter(pk=SETTINGS_ID).first()
    before = audit.snapshot(row, SETTINGS_FIELDS) if row else None
    if row is None:
        row = ConversionSettings(pk=SETTINGS_ID)
    for name in SETTINGS_FIELDS:
        setattr(row, name, data[name])
    row.updated_at = now
    row.save()
    row.refresh_from_db()  # the values as stored (rounded to the columns' places)
    audit.record(actor=actor, action="conversion.settings", target=row, before=before,
                 after=audit.snapshot(row, SETTINGS_FIELDS))
    return row
