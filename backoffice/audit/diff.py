"""An audit entry's before/after as a readable list of changes: ``Price: ¥100.00 → ¥120.00``.

Only fields whose value changed are listed. Values are shown the way the rest of the backoffice
shows them: date-times in the site's time zone, amounts through the money format, choices by
their label, yes/no for flags. The target's model (``target_type``, e.g. ``coupons.coupon``)
says what each field is; keys it does not know are shown as they were stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.db import models
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from shop.core.money import format_credits, format_money

CREDIT_FIELDS = {"gem", "gold", "gems", "min_gems", "draw_cost"}  # counted in credits, not priced
# Fields of one model only that hold credits (a prize's price) or a plain number (its amount is
# balance or credits, by its asset).
MODEL_CREDIT_FIELDS = {("lottery.prize", "price")}
MODEL_NUMBER_FIELDS = {("lottery.prize", "amount")}
EMPTY = "—"


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str
    children: list[Change] = field(default_factory=list)  # changes inside a listed row (a price policy)


def _model(target_type: str):
    try:
        return apps.get_model(target_type)
    except (LookupError, ValueError):
        return None


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - FieldDoesNotExist, or a name no model has
        return None


def _label(model, name: str) -> str:
    f = _field(model, name)
    verbose = getattr(f, "verbose_name", None) or (f.related_model._meta.verbose_name_plural
                                                   if getattr(f, "one_to_many", False) else None)
    return capfirst(str(verbose)) if verbose else capfirst(name.replace("_", " "))


def _datetime(value) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and len(value) >= 16 and value[4:5] == "-" and value[10:11] in (" ", "T"):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def show(value, f=None, name: str = "") -> str:
    """One stored value as an operator reads it."""
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool) or isinstance(f, models.BooleanField):
        return _("Yes") if value in (True, "True", "true") else _("No")
    if getattr(f, "choices", None):
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(f, (models.DateTimeField,)) or (f is None and _datetime(value)):
        moment = _datetime(value)
        return formats.date_format(moment, "Y-m-d H:i") if moment else str(value)
    if isinstance(f, models.DecimalField) or (f is None and name in CREDIT_FIELDS | {"balance"}):
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            return str(value)
        where = (f.model._meta.label_lower, name) if f is not None else None
        if name in CREDIT_FIELDS or where in MODEL_CREDIT_FIELDS:
            return format_credits(amount)
        if where in MODEL_NUMBER_FIELDS or (f is not None and f.decimal_places != 2) or name.endswith("percent"):
            return formats.number_format(amount, use_l10n=True)  # a rate or a percentage: as stored
        return format_money(amount)
    if isinstance(f, models.ForeignKey) and (isinstance(value, int) or str(value).isdigit()):
        return f"#{value}"  # snapshots keep the id; some records keep a name instead (a mentor's username)
    return str(value)


def _rows(model, name: str, before: list, after: list) -> list[Change]:
    """A listed relation (a product's price policies), matched by id: added, removed, changed."""
    f = _field(model, name)
    row_model = f.related_model if f is not None and getattr(f, "one_to_many", False) else None
    old = {row.get("id"): row for row in before if isinstance(row, dict)}
    new = {row.get("id"): row for row in after if isinstance(row, dict)}
    changes = []
    for key in list(old) + [k for k in new if k not in old]:
        a, b = old.get(key), new.get(key)
        title = str((b or a).get("label") or f"#{key}")
        if a is None:
            changes.append(Change(_("%(row)s added") % {"row": title}, "", "",
                                  children=diff_fields(row_model, {}, b, skip={"id"})))
        elif b is None:
            changes.append(Change(_("%(row)s removed") % {"row": title}, "", ""))
        else:
            inner = diff_fields(row_model, a, b, skip={"id"})
            if inner:
                changes.append(Change(title, "", "", children=inner))
    return changes


def diff_fields(model, before: dict | None, after: dict | None, *, skip=frozenset()) -> list[Change]:
    before, after = before or {}, after or {}
    changes = []
    for name in list(before) + [k for k in after if k not in before]:
        if name in skip:
            continue
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if isinstance(old, list) or isinstance(new, list):
            rows = _rows(model, name, old or [], new or [])
            if rows:
                changes.append(Change(_label(model, name), "", "", children=rows))
            continue
        f = _field(model, name)
        shown_old, shown_new = show(old, f, name), show(new, f, name)
        if shown_old != shown_new:
            changes.append(Change(_label(model, name), shown_old, shown_new))
    return changes


def changes_of(entry) -> list[Change]:
    """The changed fields of an :class:`~shop.core.models.AuditLog` entry."""
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    return diff_fields(_model(entry.target_type), before, after)
