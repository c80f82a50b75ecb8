"""Ledger memos written by the shop itself, shown in the reader's language (see
:mod:`shop.core.texts`). Memos typed by operators stay free text."""

from django.utils.translation import gettext_lazy as _

from shop.core.texts import define

WELCOME_GIFT = define("wallet.welcome_gift", text=_("Welcome gift"))
