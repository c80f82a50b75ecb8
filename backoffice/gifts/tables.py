import django_tables2 as tables
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from shop.gifts.models import GiftDraw, Method, Participant

from ..tables import BackofficeTable, TimeColumn
from . import selectors

NUMBER = {"td": {"class": "text-end"}, "th": {"class": "text-end"}}


def when(value) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else "—"


def state_badge(state: str) -> str:
    return render_to_string("backoffice/gifts/_state.html", {"state": state, "label": selectors.STATE_LABELS[state]})


def method_text(draw: GiftDraw) -> str:
    return render_to_string("backoffice/gifts/_method.html", {"draw": draw})


class GiftDrawTable(BackofficeTable):
    created_at = tables.Column(verbose_name=_("Created"), order_by=("created_at", "id"),
                               linkify=("backoffice:gifts:detail", [tables.A("pk")]),
                               attrs={"td": {"class": "text-nowrap"}})
    giver = tables.Column(verbose_name=_("Giver"), accessor="giver__username", order_by="giver__username")
    product = tables.Column(verbose_name=_("Package"), accessor="product__title", order_by="product__title")
    gifts = tables.Column(verbose_name=_("Gifts"), attrs=NUMBER)
    method = tables.Column(verbose_name=_("Method"), attrs={"td": {"class": "small"}})
    state = tables.Column(verbose_name=_("Status"), accessor="pk", orderable=False)
    participant_count = tables.Column(verbose_name=_("Participants"), attrs=NUMBER)
    given_count = tables.Column(verbose_name=_("Handed out"), attrs={"td": {"class": "text-end text-nowrap"},
                                                                    "th": {"class": "text-end"}})

    class Meta(BackofficeTable.Meta):
        model = GiftDraw
        fields = ["created_at", "giver", "product", "gifts", "method", "state", "participant_count", "given_count"]
        order_by = ["-created_at"]
        row_attrs = {"data-testid": "draw-row"}

    def __init__(self, *args, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now

    def render_created_at(self, record):
        return when(record.created_at)

    def render_method(self, record):
        return method_text(record)

    def render_state(self, record):
        return state_badge(selectors.state_at(record, self.now))

    def render_participant_count(self, record):
        if record.method == Method.FULL:
            return f"{record.participant_count} / {record.needed}"
        return record.participant_count

    def render_given_count(self, record):
        if record.to_send:
            return format_html('{}<br><span class="badge text-bg-warning" data-testid="to-send">{}</span>',
                               record.given_count, _("%(n)s to send") % {"n": record.to_send})
        return record.given_count


class ParticipantTable(BackofficeTable):
    position = tables.Column(verbose_name=_("No."), attrs=NUMBER)
    user = tables.Column(verbose_name=_("Shopper"), accessor="user__username", order_by="user__username")
    joined_at = TimeColumn(verbose_name=_("Joined"), format="Y-m-d H:i:s", order_by=("joined_at", "position"),
                           classes="small")
    won = tables.Column(verbose_name=_("Won"))
    shipping = tables.Column(verbose_name=_("Address given"), accessor="shipping_at", empty_values=(),
                             order_by=("shipping_at", "position"))
    sent = tables.Column(verbose_name=_("Sent"), accessor="shipped_at", empty_values=(),
                         order_by=("shipped_at", "position"))
    actions = tables.TemplateColumn(template_name="backoffice/gifts/_mark_sent.html", verbose_name="",
                                    orderable=False, attrs={"td": {"class": "text-end"}})

    class Meta(BackofficeTable.Meta):
        model = Participant
        fields = ["position", "user", "joined_at", "won", "shipping", "sent", "actions"]
        order_by = ["position"]
        per_page = 50
        row_attrs = {"data-testid": "participant-row"}

    def render_won(self, record):
        if record.won:
            return format_html('<span class="badge text-bg-success" data-testid="winner">'
                               '<i class="bi bi-gift me-1" aria-hidden="true"></i>{}</span>', _("Won"))
        return "—"

    def render_shipping(self, record):
        if not record.won:
            return ""
        if not record.shipping:
            return format_html('<span class="small text-secondary">{}</span>', _("Not yet"))
        ship = record.shipping
        return format_html('{} · {}<br><span class="small text-secondary">{}</span><br>'
                           '<span class="small text-secondary">{}</span>', ship.get("name", ""),
                           ship.get("phone", ""), ship.get("address", ""), when(record.shipping_at))

    def render_sent(self, record):
        if not record.shipped_at:
            return "—"
        return format_html('{}<br><span class="small text-secondary font-monospace">{}</span>',
                           when(record.shipped_at), record.tracking or "")
