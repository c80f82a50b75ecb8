"""Backoffice live-comment settings: comment colours (list with a swatch, add, edit, bounds) and
banned words (several at once with a report, delete); every write audited."""

from decimal import Decimal

import pytest
from django.urls import reverse

from shop.auctions.models import BannedWord, CommentColour
from shop.auctions.services import mask_banned
from shop.core.models import AuditLog

from .conftest import HTMX

COLOURS = reverse("backoffice:auctions:colours")
NEW_COLOUR = reverse("backoffice:auctions:colour_new")
WORDS = reverse("backoffice:auctions:words")


def _edit(colour):
    return reverse("backoffice:auctions:colour_edit", args=[colour.pk])


def _colour(**overrides):
    return {"name": "Rose", "css": "#D63384", "asset": "gem", "price": "5", "is_active": "on", **overrides}


# --- colours -------------------------------------------------------------------------------------
def test_colours_table_shows_swatch_price_and_filters(operator_client):
    CommentColour.objects.create(name="Rose", css="#d63384", asset="gem", price=Decimal("5"))
    CommentColour.objects.create(name="Gold rush", css="#ffc107", asset="gold", price=Decimal("20"), is_active=False)
    page = operator_client.get(COLOURS).content.decode()
    assert 'data-testid="swatch"' in page and "background:#d63384" in page and "#ffc107" in page
    assert "Rose" in page and "Gold rush" in page and "Gems" in page and ">20<" in page
    table = operator_client.get(COLOURS + "?is_active=false", **HTMX).content.decode()
    assert table.startswith('<div id="table">') and "Gold rush" in table and ">Rose<" not in table
    assert ">Rose<" in operator_client.get(COLOURS + "?asset=gem&q=ro", **HTMX).content.decode()


def test_add_and_edit_a_colour_audited(operator_client, operator):
    assert "Save colour" in operator_client.get(NEW_COLOUR).content.decode()
    response = operator_client.post(NEW_COLOUR, _colour(), follow=True)
    colour = CommentColour.objects.get()
    assert response.redirect_chain == [(COLOURS, 302)] and "Colour “Rose” saved." in response.content.decode()
    assert (colour.css, colour.price, colour.is_active) == ("#d63384", Decimal("5"), True)
    assert AuditLog.objects.get(action="comment_colour.create").actor == operator
    assert 'value="Rose"' in operator_client.get(_edit(colour)).content.decode()
    response = operator_client.post(_edit(colour), _colour(name="Deep rose", price="7.50", is_active=""))
    assert response.status_code == 302
    colour.refresh_from_db()
    assert (colour.name, colour.price, colour.is_active) == ("Deep rose", Decimal("7.50"), False)
    logged = AuditLog.objects.get(action="comment_colour.update")
    assert logged.before["name"] == "Rose" and logged.after == {"name": "Deep rose", "css": "#d63384",
                                                                "asset": "gem", "price": "7.50", "is_active": False}


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"css": "red"}, "css", "Enter a colour as # and six hexadecimal digits"),
    ({"css": "#12345g"}, "css", "Enter a colour as # and six hexadecimal digits"),
    ({"css": "#1234567"}, "css", "at most 7 characters"),
    ({"price": "0"}, "price", "Enter a price greater than zero."),
    ({"price": "-3"}, "price", "Enter a price greater than zero."),
    ({"price": "x"}, "price", "Enter a number."),
    ({"asset": "balance"}, "asset", "Select a valid choice."),
    ({"name": ""}, "name", "This field is required."),
])
def test_colour_errors_next_to_their_fields(operator_client, overrides, field, message):
    response = operator_client.post(NEW_COLOUR, _colour(**overrides))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field]), response.context["form"].errors
    assert not CommentColour.objects.exists()


def test_unknown_colour_is_404(operator_client):
    assert operator_client.get(reverse("backoffice:auctions:colour_edit", args=[987654])).status_code == 404


# --- banned words --------------------------------------------------------------------------------
def test_add_several_words_at_once_with_a_report(operator_client, operator):
    BannedWord.objects.create(word="spam")
    response = operator_client.post(WORDS, {"words": "scam\n\nSPAM\n fake   news \nScam\n" + "x" * 41 + "\n"})
    page = response.content.decode()
    assert response.status_code == 200
    assert sorted(BannedWord.objects.values_list("word", flat=True)) == ["fake news", "scam", "spam"]
    report = page.split('data-testid="words-report"')[1].split("</div>\n</div>")[0]
    assert "2 words added: scam, fake news" in report
    assert "1 repeated in what you typed (skipped): Scam" in report
    assert "1 already on the list (skipped): SPAM" in report
    assert "1 blank line (skipped)" in report and "longer than 40 characters" in report
    assert [a.after for a in AuditLog.objects.filter(action="banned_word.create").order_by("id")] == [
        {"word": "scam"}, {"word": "fake news"}]
    assert mask_banned("no Scam here") == "no **** here"
    assert 'name="words"' in page and "scam\n" not in page.split('name="words"')[1][:200]  # the box is emptied


@pytest.mark.parametrize(("text", "message"), [
    ("", "This field is required."),
    ("   \n  ", "This field is required."),
    ("a\n" * 1001, "Add at most 1000 words at a time."),
])
def test_words_refused_with_a_message(operator_client, text, message):
    response = operator_client.post(WORDS, {"words": text})
    assert response.status_code == 400 and message in response.content.decode()
    assert not BannedWord.objects.exists()


def test_words_table_filters_and_deletes(operator_client, operator):
    spam = BannedWord.objects.create(word="spam")
    BannedWord.objects.create(word="scam")
    table = operator_client.get(WORDS + "?q=sp", **HTMX).content.decode()
    assert table.startswith('<div id="table">') and ">spam<" in table and ">scam<" not in table
    delete = reverse("backoffice:auctions:word_delete", args=[spam.pk])
    assert f'action="{delete}"' in table
    assert "Stop banning “spam”?" in operator_client.get(delete).content.decode()
    response = operator_client.post(delete, follow=True)
    assert response.redirect_chain == [(WORDS, 302)] and "“spam” is no longer banned." in response.content.decode()
    assert list(BannedWord.objects.values_list("word", flat=True)) == ["scam"]
    assert AuditLog.objects.get(action="banned_word.delete").before == {"word": "spam"}
    assert operator_client.post(delete).status_code == 404
