import django_tables2 as tables
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from shop.core.money import format_credits
from shop.lottery.models import Campaign, CodePool, Draw, PrizeOrder, PrizeOrderStatus

from ..tables import BackofficeTable, TimeColumn


def _when(value) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else "—"


class CampaignTable(BackofficeTable):
    title = tables.Column(verbose_name=_("Title"), linkify=("backoffice:campaigns:detail", [tables.A("pk")]))
    kind = tables.Column(verbose_name=_("Kind"))
    window = tables.Column(verbose_name=_("Online window"), accessor="starts_at",
                           attrs={"td": {"class": "small text-nowrap"}})
    state = tables.Column(verbose_name=_("State"), accessor="pk", orderable=False)
    prize_count = tables.Column(verbose_name=_("Prizes"), attrs={"td": {"class": "text-end"}})
    draw_count = tables.Column(verbose_name=_("Draws"), attrs={"td": {"class": "text-end"}})
    actions = tables.Column(verbose_name="", accessor="pk", orderable=False,
                            attrs={"td": {"class": "text-end text-nowrap"}})

    class Meta(BackofficeTable.Meta):
        model = Campaign
        fields = ["title", "kind", "window", "state", "prize_count", "draw_count", "actions"]
        order_by = ["-window"]

    def __init__(self, *args, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now

    def render_window(self, record):
        return format_html('{}<br><span class="text-secondary">→ {}</span>', _when(record.starts_at),
                           _when(record.ends_at))

    def render_state(self, record):
        return render_to_string("backoffice/campaigns/_state.html", {"state": record.state_at(self.now)})

    def render_actions(self, record):
        return format_html('<a class="btn btn-sm btn-outline-primary" href="{}" aria-label="{} {}">{}</a>',
                           reverse("backoffice:campaigns:edit", args=[record.pk]), _("Edit"), record.title,
                           _("Edit"))


class PoolTable(BackofficeTable):
    name = tables.Column(verbose_name=_("Name"), linkify=("backoffice:campaigns:pool", [tables.A("pk")]))
    members_gift = tables.Column(verbose_name=_("Gift to members"))
    total = tables.Column(verbose_name=_("Codes"), attrs={"td": {"class": "text-end"}})
    issued = tables.Column(verbose_name=_("Issued"), attrs={"td": {"class": "text-end"}})
    left = tables.Column(verbose_name=_("Left"), attrs={"td": {"class": "text-end fw-semibold"}})
    created_at = TimeColumn(verbose_name=_("Created"))

    class Meta(BackofficeTable.Meta):
        model = CodePool
        fields = ["name", "members_gift", "total", "issued", "left", "created_at"]
        order_by = ["name"]

    def render_members_gift(self, value):
        return format_html('<span class="badge text-bg-info">{}</span>', _("Yes")) if value else _("No")


class PrizeOrderTable(BackofficeTable):
    number = tables.Column(verbose_name=_("Number"), order_by=("created_at", "id"))
    user = tables.Column(verbose_name=_("Shopper"), accessor="user__username", order_by="user__username")
    campaign = tables.Column(verbose_name=_("Campaign"), accessor="campaign__title", order_by="campaign__title",
                             linkify=("backoffice:campaigns:detail", [tables.A("campaign_id")]))
    prize = tables.Column(verbose_name=_("Prize"), accessor="prize__title", order_by="prize__title")
    status = tables.Column(verbose_name=_("Status"))
    recipient = tables.Column(verbose_name=_("Ship to"), orderable=False, empty_values=())
    shipping = tables.Column(verbose_name=_("Shipment"), accessor="shipped_at", empty_values=())
    actions = tables.Column(verbose_name="", accessor="pk", orderable=False, empty_values=(),
                            attrs={"td": {"class": "text-end text-nowrap"}})

    class Meta(BackofficeTable.Meta):
        model = PrizeOrder
        fields = ["number", "user", "campaign", "prize", "status", "recipient", "shipping", "actions"]
        order_by = ["-number"]  # by creation (the number column sorts by created_at)

    def render_status(self, record):
        return render_to_string("backoffice/campaigns/_order_status.html", {"status": record.status})

    def render_number(self, record):
        return format_html('<span class="font-monospace">{}</span><br><span class="small text-secondary text-nowrap">'
                           '{}</span>', record.number, _when(record.created_at))

    def render_recipient(self, record):
        if not record.recipient:
            return "—"
        return format_html('{} · {}<br><span class="small text-secondary">{}</span><br>'
                           '<span class="small text-secondary">{} <span class="font-monospace">{}</span></span>',
                           record.recipient, record.phone, record.address, _("ID card"), record.id_card)

    def render_shipping(self, record):
        if not record.shipped_at:
            return "—"
        return format_html('{} {}<br><span class="small text-secondary">{}</span>', record.carrier,
                           record.tracking_no, _when(record.shipped_at))

    def render_actions(self, record):
        if record.status != PrizeOrderStatus.CLAIMED:
            return ""
        return format_html('<a class="btn btn-sm btn-primary" href="{}" aria-label="{} {}">'
                           '<i class="bi bi-truck me-1" aria-hidden="true"></i>{}</a>',
                           reverse("backoffice:campaigns:ship", args=[record.number]), _("Mark shipped"),
                           record.number, _("Mark shipped"))


class DrawTable(BackofficeTable):
    created_at = TimeColumn(verbose_name=_("Time"), format="Y-m-d H:i:s")
    campaign = tables.Column(verbose_name=_("Campaign"), accessor="campaign__title", order_by="campaign__title")
    user = tables.Column(verbose_name=_("Shopper"), accessor="user__username", order_by="user__username")
    cost = tables.Column(verbose_name=_("Paid"), attrs={"td": {"class": "text-end text-nowrap"}})
    picked = tables.Column(verbose_name=_("Picked"), accessor="picked__title", default="—", orderable=False)
    prize = tables.Column(verbose_name=_("Granted"), accessor="prize__title", default="—", orderable=False)
    outcome = tables.Column(verbose_name=_("Outcome"))
    replay = tables.Column(verbose_name="", accessor="pk", orderable=False, attrs={"td": {"class": "text-end"}})

    class Meta(BackofficeTable.Meta):
        model = Draw
        fields = ["created_at", "campaign", "user", "cost", "picked", "prize", "outcome", "replay"]
        order_by = ["-created_at"]

    def render_cost(self, record):
        if record.free:
            return _("Free chance")
        return f"{format_credits(record.cost)} {record.get_asset_display()}"

    def render_replay(self, record):
        return format_html('<a class="btn btn-sm btn-outline-secondary" href="{}" aria-label="{} #{}">'
                           '<i class="bi bi-arrow-repeat me-1" aria-hidden="true"></i>{}</a>',
                           reverse("backoffice:campaigns:replay", args=[record.pk]), _("Replay draw"), record.pk,
                           _("Replay"))
