import django_tables2 as tables
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from shop.auctions.models import AuctionSession, BannedWord, Bid, CommentColour, Lot, LotState, SessionState

from ..tables import BackofficeTable, CreditsColumn, MoneyColumn, TimeColumn

THUMB = ('{% if record.cover %}<img src="{{ record.cover.url }}" alt="" width="40" height="40" '
         'class="rounded object-fit-cover">{% else %}<span class="d-inline-grid rounded bg-primary-subtle text-primary" '
         'style="width:40px;height:40px;place-items:center"><i class="bi bi-hammer" aria-hidden="true"></i></span>'
         '{% endif %}')


def when(value) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else "—"


def state_badge(state: str) -> str:
    label = SessionState(state).label if state in SessionState.values else LotState(state).label
    return render_to_string("backoffice/auctions/_state.html", {"state": state, "label": label})


class SessionTable(BackofficeTable):
    cover = tables.TemplateColumn(THUMB, verbose_name="", orderable=False)
    title = tables.Column(verbose_name=_("Title"), linkify=("backoffice:auctions:detail", [tables.A("pk")]))
    times = tables.Column(verbose_name=_("Preview / bidding"), accessor="starts_at",
                          attrs={"td": {"class": "small text-nowrap"}})
    state = tables.Column(verbose_name=_("Status"), accessor="pk", orderable=False)
    lot_count = tables.Column(verbose_name=_("Lots"), attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}})
    turnover = MoneyColumn(verbose_name=_("Turnover"))
    actions = tables.Column(verbose_name="", accessor="pk", orderable=False,
                            attrs={"td": {"class": "text-end text-nowrap"}})

    class Meta(BackofficeTable.Meta):
        model = AuctionSession
        fields = ["cover", "title", "times", "state", "lot_count", "turnover", "actions"]
        order_by = ["-times"]

    def __init__(self, *args, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now

    def render_times(self, record):
        return format_html('<span class="text-secondary">{}</span> {} → {}<br>'
                           '<span class="text-secondary">{}</span> {} → {}',
                           _("Preview"), when(record.preview_starts_at), when(record.preview_ends_at),
                           _("Bidding"), when(record.starts_at), when(record.ends_at))

    def render_state(self, record):
        return state_badge(record.state_at(self.now))

    def render_actions(self, record):
        return render_to_string("backoffice/auctions/_session_actions.html",
                                {"session": record, "open": self.now < record.starts_at})


class LotTable(BackofficeTable):
    catalogue_no = tables.Column(verbose_name=_("Catalogue no."), linkify=("backoffice:auctions:lot", [tables.A("pk")]),
                                 order_by=("position", "id"), attrs={"td": {"class": "font-monospace text-nowrap"}})
    cover = tables.TemplateColumn(THUMB, verbose_name="", orderable=False)
    title = tables.Column(verbose_name=_("Lot"))
    start_price = MoneyColumn(verbose_name=_("Start price"))
    increment = MoneyColumn(verbose_name=_("Increment"))
    reference = tables.Column(verbose_name=_("Reference"), accessor="reference_low", orderable=False,
                              empty_values=(), attrs={"td": {"class": "text-nowrap small"}})
    deposit = MoneyColumn(verbose_name=_("Lot deposit"))
    state = tables.Column(verbose_name=_("Status"), accessor="pk", orderable=False)
    current_price = MoneyColumn(verbose_name=_("Current price"))
    leader = tables.Column(verbose_name=_("Leader"), accessor="leader__username", order_by="leader__username")
    bid_count = tables.Column(verbose_name=_("Bids"), attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}})
    ends_at = tables.Column(verbose_name=_("Ends"), attrs={"td": {"class": "small text-nowrap"}})
    actions = tables.Column(verbose_name="", accessor="pk", orderable=False,
                            attrs={"td": {"class": "text-end text-nowrap"}})

    class Meta(BackofficeTable.Meta):
        model = Lot
        fields = ["catalogue_no", "cover", "title", "start_price", "increment", "reference", "deposit", "state",
                  "current_price", "leader", "bid_count", "ends_at", "actions"]
        order_by = ["catalogue_no"]

    def __init__(self, *args, session=None, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.session, self.now = session, now

    def render_reference(self, record):
        if record.reference_low is None and record.reference_high is None:
            return "—"
        return render_to_string("backoffice/auctions/_reference.html", {"lot": record})

    def render_state(self, record):
        return state_badge(record.state_at(self.now, self.session))

    def render_ends_at(self, record):
        if record.ends_at > self.session.ends_at:
            return format_html('{}<br><span class="badge text-bg-warning">{}</span>', when(record.ends_at),
                               _("extended"))
        return when(record.ends_at)

    def render_actions(self, record):
        if self.now >= self.session.starts_at or self.session.is_deleted:
            return ""
        return render_to_string("backoffice/auctions/_lot_actions.html", {"lot": record})


class BidTable(BackofficeTable):
    placed_at = TimeColumn(verbose_name=_("Time"), format="Y-m-d H:i:s", order_by=("placed_at", "id"))
    user = tables.Column(verbose_name=_("Shopper"), accessor="user__username", order_by="user__username")
    amount = MoneyColumn(verbose_name=_("Amount"))
    is_auto = tables.Column(verbose_name=_("How"), orderable=True)

    class Meta(BackofficeTable.Meta):
        model = Bid
        fields = ["placed_at", "user", "amount", "is_auto"]
        order_by = ["-placed_at"]

    def render_is_auto(self, record):
        if record.is_auto:
            return format_html('<span class="badge text-bg-info" data-testid="auto-bid">{}</span>', _("Automatic"))
        return format_html('<span class="badge text-bg-light border">{}</span>', _("Typed"))


class ColourTable(BackofficeTable):
    name = tables.Column(verbose_name=_("Name"), linkify=("backoffice:auctions:colour_edit", [tables.A("pk")]))
    css = tables.Column(verbose_name=_("Colour"))
    asset = tables.Column(verbose_name=_("Paid with"))
    price = CreditsColumn(verbose_name=_("Price"))
    is_active = tables.Column(verbose_name=_("Offered"))
    actions = tables.Column(verbose_name="", accessor="pk", orderable=False, attrs={"td": {"class": "text-end"}})

    class Meta(BackofficeTable.Meta):
        model = CommentColour
        fields = ["name", "css", "asset", "price", "is_active", "actions"]
        order_by = ["price"]

    def render_css(self, record):
        return format_html('<span class="d-inline-block rounded border align-middle me-2" data-testid="swatch" '
                           'style="width:1.5rem;height:1.5rem;background:{}"></span><span class="font-monospace">{}'
                           '</span>', record.css, record.css)

    def render_is_active(self, value):
        return format_html('<span class="badge text-bg-success">{}</span>', _("Yes")) if value else _("No")

    def render_actions(self, record):
        return format_html('<a class="btn btn-sm btn-outline-primary" href="{}" aria-label="{} {}">{}</a>',
                           reverse("backoffice:auctions:colour_edit", args=[record.pk]), _("Edit"), record.name,
                           _("Edit"))


class WordTable(BackofficeTable):
    word = tables.Column(verbose_name=_("Word"))
    actions = tables.TemplateColumn(template_name="backoffice/auctions/_word_delete.html", verbose_name="",
                                    orderable=False, attrs={"td": {"class": "text-end"}})

    class Meta(BackofficeTable.Meta):
        model = BannedWord
        fields = ["word", "actions"]
        order_by = ["word"]
        per_page = 50
