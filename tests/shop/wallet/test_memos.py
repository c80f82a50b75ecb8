"""Ledger memos written by the shop are a text key + params, shown in the reader's language;
memos typed by operators are shown as entered."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from shop.core.texts import Text, define
from shop.wallet.models import LedgerEntry
from shop.wallet.services import credit, debit, operator_adjust

REFUND = define("test.memo_refund", text=_("Refund of order %(number)s"))
WALLET = reverse("wallet:wallet")


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """Requests made with a language cookie leave that language active in the thread."""
    yield
    translation.deactivate()


def _page(client, language):
    client.cookies["django_language"] = language
    return client.get(WALLET).content.decode()


def test_memo_made_in_english_reads_in_chinese(shopper_client, user):
    with translation.override("en"):
        entry = credit(user=user, asset="balance", amount="10.00", memo=Text(REFUND, number="B1"))
    assert (entry.memo_key, entry.memo_params, entry.memo) == (REFUND, {"number": "B1"}, "Refund of order B1")
    page = _page(shopper_client, "zh-hans")
    assert "订单 B1 退款" in page and "Refund of order B1" not in page


def test_memo_made_in_chinese_reads_in_english(shopper_client, user, fund):
    fund(user, balance=50)
    with translation.override("zh-hans"):
        debit(user=user, asset="balance", amount="10.00", memo=Text(REFUND, number="B2"))
    page = _page(shopper_client, "en")
    assert "Refund of order B2" in page and "订单 B2 退款" not in page


def test_operator_memo_and_old_rows_show_as_entered(shopper_client, user, operator):
    operator_adjust(operator=operator, user=user, asset="balance", amount="5.00", grant=True, memo="Sorry for the wait")
    credit(user=user, asset="balance", amount="1.00", memo="written before memo keys")
    assert LedgerEntry.objects.filter(memo_key="").count() == 2
    page = _page(shopper_client, "zh-hans")
    assert "Sorry for the wait" in page and "written before memo keys" in page


def test_backoffice_ledger_shows_the_memo_in_the_operators_language(operator_client, user):
    with translation.override("en"):
        credit(user=user, asset="balance", amount="10.00", memo=Text(REFUND, number="B3"))
    operator_client.cookies["django_language"] = "zh-hans"
    page = operator_client.get(reverse("backoffice:wallets:detail", args=[user.pk])).content.decode()
    assert "订单 B3 退款" in page


def test_demo_welcome_gift_is_a_text(db):
    from shop.accounts.demo import seed
    from shop.core import clock

    seed(now=clock.now())
    entry = LedgerEntry.objects.filter(ref="demo").first()
    assert entry.memo_key == "wallet.welcome_gift" and entry.memo == "Welcome gift"
