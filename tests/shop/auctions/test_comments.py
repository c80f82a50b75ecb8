"""Live comments (SPEC §7): free plain comments at a pace, paid coloured ones, banned words."""

from datetime import timedelta
from decimal import Decimal

import pytest

from shop.auctions import services
from shop.auctions.models import BannedWord, Comment, CommentColour, Lot
from shop.core.errors import DomainError
from shop.wallet.models import LedgerEntry, Wallet


@pytest.fixture
def lot(make_auction):
    return make_auction().lots.get()


def post(user, lot, text, **kw):
    from shop.core import clock

    return services.post_comment(user=user, lot_id=lot.pk, text=text, now=clock.now(), **kw)


def test_plain_comments_are_free_but_paced_per_shopper(lot, user, other_user, clock, settings):
    settings.BAZAAR_AUCTION_COMMENT_SECONDS = 5
    version = Lot.objects.get(pk=lot.pk).version
    post(user, lot, "  Lovely   cake ")
    assert Comment.objects.get().text == "Lovely cake"
    assert Lot.objects.get(pk=lot.pk).version == version + 1  # watchers see it
    with pytest.raises(DomainError, match="too fast"):
        post(user, lot, "again")
    post(other_user, lot, "me too")  # the pace is per shopper
    clock.advance(timedelta(seconds=5))
    post(user, lot, "again")
    assert Comment.objects.filter(user=user).count() == 2


def test_coloured_comment_costs_its_price_and_skips_the_pace(lot, user, fund, clock):
    colour = CommentColour.objects.create(name="Rose", css="#d63384", asset="gem", price=Decimal("5"))
    fund(user, gem=7)
    post(user, lot, "plain first")
    comment = post(user, lot, "look at me", colour_id=colour.pk)
    assert (comment.colour, comment.cost) == ("#d63384", Decimal("5"))
    assert Wallet.objects.get(user=user).gem == Decimal("2")
    assert LedgerEntry.objects.filter(asset="gem", amount=Decimal("-5"), ref=f"comment:{comment.pk}").exists()
    with pytest.raises(DomainError, match="Not enough"):
        post(user, lot, "again", colour_id=colour.pk)
    assert Comment.objects.count() == 2


def test_banned_words_are_masked(lot, user, clock):
    BannedWord.objects.create(word="scam")
    comment = post(user, lot, "This is a SCAM!")
    assert comment.text == "This is a ****!"


def test_bad_comments_are_refused(lot, user, clock):
    for text in ("", "   ", "x" * 141):
        with pytest.raises(DomainError):
            post(user, lot, text)
    with pytest.raises(DomainError, match="colour"):
        post(user, lot, "hi", colour_id=999999)
    assert not Comment.objects.exists()


def test_comments_only_while_bidding(lot, user, clock):
    clock.advance(timedelta(hours=2))
    with pytest.raises(DomainError, match="bidding"):
        post(user, lot, "too late")


def test_a_replayed_comment_form_posts_once(lot, user, clock):
    first = post(user, lot, "hello", request_key="k1")
    clock.advance(timedelta(seconds=30))
    assert post(user, lot, "hello", request_key="k1").pk == first.pk
    assert Comment.objects.count() == 1
