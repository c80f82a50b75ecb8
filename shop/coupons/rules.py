"""The rules of a coupon definition (SPEC §4), as plain functions over a mapping of field values.

The backoffice form shows :func:`definition_errors` next to its fields and the service
:func:`shop.coupons.services.coupon_save` refuses a definition that breaks any of them, so a
coupon built in code (demo data, a shell) obeys the same rules; the table's CheckConstraints
are the last line.

Keys: ``kind``, ``value``, ``off_percent``, ``min_spend``, ``scope``, ``product``,
``auction_session``, ``session_ends_at`` (the end of that session, when known), ``quantity``,
``per_user_limit``, ``claim_opens_at``, ``claim_closes_at``, ``validity`` (``"fixed"`` or
``"days"``), ``valid_from``, ``valid_until``, ``valid_days``.

Session-scoped coupons (SPEC §4) are valid from their creation until :data:`SESSION_GRACE` after
their auction session ends: fixed dates, set by :func:`session_validity`, never typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from shop.core.money import format_money

FLAT, THRESHOLD, PERCENT = "flat", "threshold", "percent"
#: Bounds (also CheckConstraints on ``Coupon``): amounts like prices, at most a million coupons,
#: 1,000 per shopper, ten years of validity, dates before 2100 — so no claim computes a date or a
#: sum that overflows.
MAX_AMOUNT = Decimal("1000000.00")
MAX_QUANTITY = 1_000_000
MAX_PER_USER = 1000
MAX_VALID_DAYS = 3650
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
GLOBAL, PRODUCT, SESSION = "global", "product", "session"
FIXED, DAYS = "fixed", "days"
#: Session coupons expire this long after their auction session ends.
SESSION_GRACE = timedelta(hours=24)


def session_validity(*, created_at: datetime, session_ends_at: datetime) -> tuple[datetime, datetime]:
    """``(valid_from, valid_until)`` of a coupon of an auction session: from its creation until
    24 hours after the session ends."""
    return created_at, session_ends_at + SESSION_GRACE


def normalized(data: Mapping[str, Any]) -> dict[str, Any]:
    """Clear the fields that the chosen type, scope and validity do not use."""
    data = dict(data)
    kind = data.get("kind")
    if kind in (FLAT, THRESHOLD):
        data["off_percent"] = None
    if kind in (FLAT, PERCENT):
        data["min_spend"] = None
    if kind == PERCENT:
        data["value"] = Decimal("0.00")
    if data.get("scope") != PRODUCT:
        data["product"] = None
    if data.get("scope") != SESSION:
        data["auction_session"] = None
    if data.get("validity") == DAYS:
        data["valid_from"] = data["valid_until"] = None
    elif data.get("validity") == FIXED:
        data["valid_days"] = None
    return data


def definition_errors(data: Mapping[str, Any]) -> dict[str, str]:
    """Field name → what is wrong with it (empty when the definition is valid)."""
    errors: dict[str, str] = {}
    kind, value = data.get("kind"), data.get("value")
    if kind in (FLAT, THRESHOLD) and (value is None or value <= 0):
        errors["value"] = _("Enter a value greater than zero.")
    elif value is not None and value > MAX_AMOUNT:
        errors["value"] = _("Enter a value of at most %(max)s.") % {"max": format_money(MAX_AMOUNT)}
    if kind == THRESHOLD:
        min_spend = data.get("min_spend")
        if min_spend is None:
            errors["min_spend"] = _("A spend-and-save coupon needs a minimum spend.")
        elif min_spend > MAX_AMOUNT:
            errors["min_spend"] = _("Enter a minimum spend of at most %(max)s.") % {"max": format_money(MAX_AMOUNT)}
        elif value is not None and min_spend <= value:
            errors["min_spend"] = _("The minimum spend must be greater than the value.")
    if kind == PERCENT:
        off = data.get("off_percent")
        if off is None or not 1 <= off <= 99:
            errors["off_percent"] = _("Enter a percentage from 1 to 99.")

    scope = data.get("scope")
    if scope == PRODUCT and not data.get("product"):
        errors["product"] = _("Choose the course this coupon is for.")
    elif scope == SESSION and not data.get("auction_session"):
        errors["auction_session"] = _("Choose the auction session this coupon is for.")
    if scope != SESSION and data.get("auction_session"):
        errors["auction_session"] = _("Only a coupon for an auction session names a session.")

    for name, most in (("quantity", MAX_QUANTITY), ("per_user_limit", MAX_PER_USER)):
        if data.get(name) is not None and not 1 <= data[name] <= most:
            errors[name] = _("Enter a whole number from 1 to %(max)s.") % {"max": f"{most:,}"}

    opens, closes = data.get("claim_opens_at"), data.get("claim_closes_at")
    if opens and closes and closes < opens:
        errors["claim_closes_at"] = _("Claiming must close after it opens.")
    for name in ("claim_opens_at", "claim_closes_at", "valid_from", "valid_until"):
        if data.get(name) and data[name] >= LATEST and name not in errors:
            errors[name] = _("Enter a date before the year 2100.")

    validity = data.get("validity")
    if validity == DAYS:
        if not data.get("valid_days") or data["valid_days"] <= 0:
            errors["valid_days"] = _("Enter a number of days greater than zero.")
        elif data["valid_days"] > MAX_VALID_DAYS:
            errors["valid_days"] = _("Enter at most %(max)s days (ten years).") % {"max": MAX_VALID_DAYS}
    elif validity == FIXED:
        start, end = data.get("valid_from"), data.get("valid_until")
        if not start:
            errors["valid_from"] = _("Enter when the coupon can first be used.")
        if not end:
            errors["valid_until"] = _("Enter when the coupon stops being valid.")
        if start and end and end <= start:
            errors["valid_until"] = _("The end of validity must be after its start.")
    if scope == SESSION:
        _session_validity_errors(data, errors)
    return errors


def _session_validity_errors(data: Mapping[str, Any], errors: dict[str, str]) -> None:
    """A session coupon's validity is fixed by its session (the form sets it): fixed dates,
    ending 24 hours after the session ends, and its claim closes before that."""
    if data.get("validity") == DAYS:
        errors.setdefault("validity", _("A session coupon is valid until 24 hours after its session ends: it "
                                        "cannot count days from claiming."))
        return
    ends = data.get("session_ends_at")
    if ends is None:
        return
    until = ends + SESSION_GRACE
    if data.get("valid_until") and data["valid_until"] != until:
        errors.setdefault("valid_until", _("A session coupon is valid until 24 hours after its session ends."))
    closes = data.get("claim_closes_at")
    if closes and closes > until and "claim_closes_at" not in errors:
        errors["claim_closes_at"] = _("Claiming must close before the coupons expire, 24 hours after the session "
                                      "ends.")


def validity_of(coupon) -> str:
    return DAYS if coupon.valid_days is not None else FIXED


def coupon_data(coupon) -> dict[str, Any]:
    """The mapping the rules read, from a ``Coupon`` instance."""
    names = ["kind", "value", "off_percent", "min_spend", "scope", "quantity", "per_user_limit", "claim_opens_at",
             "claim_closes_at", "valid_from", "valid_until", "valid_days"]
    data = {name: getattr(coupon, name) for name in names}
    data["product"] = coupon.product_id
    data["auction_session"] = coupon.auction_session_id
    if coupon.auction_session_id:
        data["session_ends_at"] = coupon.auction_session.ends_at
    data["validity"] = validity_of(coupon)
    return data
