import django_tables2 as tables
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from shop.coupons.models import ClaimedCoupon, ClaimedStatus, Coupon

from ..tables import BackofficeTable, TimeColumn


class CouponTable(BackofficeTable):
    cover = tables.TemplateColumn(
        '{% if record.cover %}<img src="{{ record.cover.url }}" alt="" width="40" height="40" class="rounded object-fit-cover">'
        '{% else %}<span class="d-inline-grid rounded bg-primary-subtle text-primary" style="width:40px;height:40px;place-items:center"><i class="bi bi-ticket-perforated"></i></span>{% endif %}',
        verbose_name="", orderable=False)
    name = tables.Column(verbose_name=_("Name"), linkify=("backoffice:coupons:detail", [tables.A("pk")]))
    scope = tables.Column(verbose_name=_("Scope"))
    value = tables.Column(verbose_name=_("Value"), accessor="kind", orderable=False)
    remaining = tables.Column(verbose_name=_("Remaining"), accessor="remaining_count", order_by="remaining_count",
                              attrs={"td": {"class": "text-nowrap"}})
    window = tables.Column(verbose_name=_("Claim window"), accessor="claim_opens_at", attrs={"td": {"class": "small text-nowrap"}})
    status = tables.Column(verbose_name=_("Status"), accessor="claim_opens_at", orderable=False)
    actions = tables.Column(verbose_name="", accessor="pk", orderable=False, attrs={"td": {"class": "text-end text-nowrap"}})

    class Meta(BackofficeTable.Meta):
        model = Coupon
        fields = ["cover", "name", "scope", "value", "remaining", "window", "status", "actions"]
        order_by = ["-window"]

    def __init__(self, *args, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now

    def render_scope(self, record):
        return record.scope_text

    def render_value(self, record):
        return record.headline

    def render_remaining(self, record):
        return format_html('<span class="tabular">{}/{}</span>', record.remaining, record.quantity)

    def render_window(self, record):
        opens, closes = timezone.localtime(record.claim_opens_at), timezone.localtime(record.claim_closes_at)
        return format_html("{}<br><span class=\"text-secondary\">→ {}</span>", f"{opens:%Y-%m-%d %H:%M}",
                           f"{closes:%Y-%m-%d %H:%M}")

    def render_status(self, record):
        return render_to_string("backoffice/coupons/_status.html", {"state": record.claim_status_at(self.now)})

    def render_actions(self, record):
        return render_to_string("backoffice/coupons/_actions.html",
                                {"coupon": record, "editable": record.claim_status_at(self.now) == "not_started"})


class ClaimedTable(BackofficeTable):
    code = tables.Column(verbose_name=_("Code"), attrs={"td": {"class": "font-monospace"}})
    user = tables.Column(verbose_name=_("Shopper"), accessor="user__username", order_by="user__username")
    claimed_at = TimeColumn(verbose_name=_("Claimed"))
    valid_until = TimeColumn(verbose_name=_("Valid until"))
    status = tables.Column(verbose_name=_("Status"))
    order_ref = tables.Column(verbose_name=_("Order"), default="—")

    class Meta(BackofficeTable.Meta):
        model = ClaimedCoupon
        fields = ["code", "user", "claimed_at", "valid_until", "status", "order_ref"]
        order_by = ["-claimed_at"]

    def __init__(self, *args, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now

    def render_status(self, record):
        status = record.status_at(self.now) if self.now else record.status
        css = {"unused": "text-bg-success", "used": "text-bg-primary"}.get(status, "text-bg-light border")
        return format_html('<span class="badge {}">{}</span>', css, ClaimedStatus(status).label)

    def render_order_ref(self, record):
        return format_html('<a href="{}">{}</a>', reverse("backoffice:orders:detail", args=[record.order_number]),
                           record.order_number)
