"""Backoffice: lottery and exchange campaigns with their prizes, redeem-code pools, prize orders
(shipping, CSV export) and the draw log with replay. Area permission: ``lottery.change_campaign``."""

import copy
import csv

from django.contrib import messages
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.core import clock
from shop.core.errors import DomainError
from shop.core.redirects import redirect_to_next
from shop.lottery import operations
from shop.lottery.forms import MAX_PRIZE_ROWS, CampaignForm, CodeImportForm, CodePoolForm, ShipForm, prize_formset
from shop.lottery.models import Campaign, CampaignKind, CodePool, Draw, Prize, PrizeOrder, PrizeOrderStatus
from shop.lottery.services import published_odds

from ..access import StaffRequiredMixin, staff_area
from ..tables import BackofficeListView
from . import selectors
from .filters import TO_SHIP, CampaignFilter, DrawFilter, PoolFilter, PrizeOrderFilter
from .tables import CampaignTable, DrawTable, PoolTable, PrizeOrderTable

PERMISSION = "lottery.change_campaign"
NEW_PRIZE_ROWS = 3  # empty prize rows on a new campaign
EDIT_PRIZE_ROWS = 1


class AreaListView(StaffRequiredMixin, BackofficeListView):
    area_permission = PERMISSION


def _posted(request):
    """The form data of a POST (even an empty one, so it is validated), else None."""
    return request.POST if request.method == "POST" else None


def _count(model, **filters):
    rows = (model.objects.filter(campaign=OuterRef("pk"), **filters).order_by().values("campaign")
            .annotate(n=Count("id")).values("n"))
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


# --- campaigns -----------------------------------------------------------------------------------
class CampaignListView(AreaListView):
    table_class = CampaignTable
    filterset_class = CampaignFilter
    template_name = "backoffice/campaigns/list.html"
    tab = "campaigns"

    def get_queryset(self):
        return Campaign.objects.annotate(prize_count=_count(Prize), draw_count=_count(Draw))

    def get_table_kwargs(self):
        return {"now": clock.now()}


def _posted_kind(request, campaign: Campaign | None) -> str:
    kind = request.POST.get("kind")
    if kind in CampaignKind.values:
        return kind
    return campaign.kind if campaign else CampaignKind.LOTTERY


@staff_area(PERMISSION)
def campaign_edit(request, pk=None):
    campaign = get_object_or_404(Campaign, pk=pk) if pk else None
    instance = copy.copy(campaign) if campaign else Campaign()  # the form changes it; `campaign` stays as saved
    post, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    form = CampaignForm(post, files, instance=instance)
    prizes = prize_formset(post, files, instance=instance, kind=_posted_kind(request, campaign),
                           extra=EDIT_PRIZE_ROWS if campaign else NEW_PRIZE_ROWS)
    if request.method == "POST" and all([form.is_valid(), prizes.is_valid()]):
        try:
            saved = operations.campaign_save(campaign=form.save(commit=False), actor=request.user, now=clock.now(),
                                             prizes=prizes.rows())
        except operations.Invalid as exc:
            for name, message in exc.errors.items():
                form.add_error(name if name in form.fields else None, message)
        except operations.InvalidPrizes as exc:
            for key, errors in exc.errors.items():
                row = prizes.forms[key]
                for name, message in errors.items():
                    row.add_error(name if name in row.fields else None, message)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Campaign “%(title)s” saved.") % {"title": saved.title})
            if "continue" in request.POST:
                return redirect("backoffice:campaigns:edit", pk=saved.pk)
            return redirect("backoffice:campaigns:detail", pk=saved.pk)
    odds = selectors.odds_preview(request.POST) if request.method == "POST" else \
        selectors.odds_of(list(campaign.prizes.all()) if campaign else [], campaign.kind if campaign else "")
    return render(request, "backoffice/campaigns/form.html", {
        "form": form, "prizes": prizes, "campaign": campaign, "odds": odds, "tab": "campaigns",
        "max_rows": MAX_PRIZE_ROWS})


@staff_area(PERMISSION)
def prize_row(request):
    """An empty prize row for the editor (htmx "Add a prize"), with the form count and the
    button moved on out of band. ``index`` is the new row's number (0 when not given)."""
    try:
        index = int(request.GET.get("index") or 0)
    except ValueError:
        raise Http404 from None
    if not 0 <= index < MAX_PRIZE_ROWS:
        raise Http404
    row = prize_formset(instance=Campaign(), extra=0).empty_form
    row.prefix = f"prizes-{index}"
    return render(request, "backoffice/campaigns/_prize_row.html",
                  {"f": row, "next_index": index + 1, "max_rows": MAX_PRIZE_ROWS, "oob": True})


@staff_area(PERMISSION)
def odds_preview(request):
    """The published odds of the prizes as typed (htmx, while editing): the formset is posted."""
    odds = selectors.odds_preview(request.POST) if request.method == "POST" else selectors.odds_of([], "")
    return render(request, "backoffice/campaigns/form.html#odds", {"odds": odds})


@staff_area(PERMISSION)
def campaign_detail(request, pk):
    campaign = get_object_or_404(Campaign, pk=pk)
    now = clock.now()
    prizes = list(campaign.prizes.select_related("coupon", "pool"))
    odds = published_odds(prizes) if campaign.is_lottery else {}
    orders = dict(campaign.prize_orders.order_by().values_list("status").annotate(n=Count("id")))
    context = {
        "campaign": campaign, "state": campaign.state_at(now), "tab": "campaigns",
        "prizes": [(p, odds.get(p.pk)) for p in prizes],
        "entries": campaign.entries.count(), "draws": campaign.draws.count(),
        "orders": orders, "to_ship": orders.get(PrizeOrderStatus.CLAIMED, 0),
    }
    return render(request, "backoffice/campaigns/detail.html", context)


# --- redeem-code pools ---------------------------------------------------------------------------
class PoolListView(AreaListView):
    table_class = PoolTable
    filterset_class = PoolFilter
    template_name = "backoffice/campaigns/pools.html"
    tab = "pools"

    def get_queryset(self):
        return selectors.pools_with_counts(CodePool.objects.all())


@staff_area(PERMISSION)
def pool_edit(request, pool_id=None):
    pool = get_object_or_404(CodePool, pk=pool_id) if pool_id else None
    form = CodePoolForm(_posted(request), instance=copy.copy(pool) if pool else CodePool())
    if request.method == "POST" and form.is_valid():
        try:
            saved = operations.pool_save(pool=form.save(commit=False), actor=request.user)
        except operations.Invalid as exc:
            for name, message in exc.errors.items():
                form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(request, _("Code pool “%(name)s” saved.") % {"name": saved.name})
            return redirect("backoffice:campaigns:pool", pool_id=saved.pk)
    return render(request, "backoffice/campaigns/pool_form.html", {"form": form, "pool": pool, "tab": "pools"})


@staff_area(PERMISSION)
def pool_detail(request, pool_id):
    pool = get_object_or_404(selectors.pools_with_counts(CodePool.objects.all()), pk=pool_id)
    form = CodeImportForm(_posted(request), request.FILES if request.method == "POST" else None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = operations.import_codes(pool=pool, text=form.cleaned_data["codes_text"], actor=request.user,
                                             first_column=form.cleaned_data["first_column"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Imported %(added)s new codes into “%(name)s”.") % {
                "added": result.added, "name": pool.name})
            pool = get_object_or_404(selectors.pools_with_counts(CodePool.objects.all()), pk=pool_id)
            form = CodeImportForm()
    context = {"pool": pool, "form": form, "result": result, "tab": "pools",
               "prizes": pool.prizes.select_related("campaign").order_by("campaign__title", "title")}
    return render(request, "backoffice/campaigns/pool_detail.html", context)


# --- prize orders --------------------------------------------------------------------------------
def _orders():
    return PrizeOrder.objects.select_related("user", "campaign", "prize")


class PrizeOrderListView(AreaListView):
    table_class = PrizeOrderTable
    filterset_class = PrizeOrderFilter
    template_name = "backoffice/campaigns/orders.html"
    tab = "orders"

    def get_queryset(self):
        return _orders()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["to_ship_count"] = PrizeOrder.objects.filter(status=PrizeOrderStatus.CLAIMED).count()
        context["to_ship"] = TO_SHIP
        return context


class _Echo:
    def write(self, value):
        return value


@staff_area(PERMISSION)
def orders_export(request):
    """CSV of the filtered prize orders (the table's filters), streamed; cells a spreadsheet
    would run as a formula are quoted."""
    filters = PrizeOrderFilter(request.GET, queryset=_orders().order_by("-created_at", "-id"))
    if not filters.is_valid():  # never "everything" for a filter that could not be read
        return HttpResponseBadRequest(_("Check the filters: %(errors)s") % {
            "errors": " ".join(str(e) for errors in filters.errors.values() for e in errors)},
            content_type="text/plain; charset=utf-8")
    orders = filters.qs
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(selectors.EXPORT_HEADER)
        for order in orders.iterator(chunk_size=500):
            yield writer.writerow([selectors.safe_cell(v) for v in selectors.export_row(order)])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="prize-orders-{clock.now():%Y%m%d-%H%M}.csv"'
    return response


@staff_area(PERMISSION)
def ship(request, number):
    order = get_object_or_404(_orders(), number=number)
    form = ShipForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            operations.mark_shipped(order_number=order.number, carrier=form.cleaned_data["carrier"],
                                    tracking_no=form.cleaned_data["tracking_no"], actor=request.user,
                                    now=clock.now())
        except operations.Invalid as exc:
            for name, message in exc.errors.items():
                form.add_error(name if name in form.fields else None, message)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Prize order %(number)s marked shipped.") % {"number": order.number})
            return redirect_to_next(request, reverse("backoffice:campaigns:orders") + f"?status={TO_SHIP}")
    return render(request, "backoffice/campaigns/ship.html", {"order": order, "form": form, "tab": "orders"})


# --- draw log ------------------------------------------------------------------------------------
class DrawListView(AreaListView):
    table_class = DrawTable
    filterset_class = DrawFilter
    template_name = "backoffice/campaigns/draws.html"
    tab = "draws"

    def get_queryset(self):
        return Draw.objects.select_related("campaign", "user", "picked", "prize")


@staff_area(PERMISSION)
def replay(request, draw_id):
    draw = get_object_or_404(Draw.objects.select_related("campaign", "user", "picked", "prize"), pk=draw_id)
    return render(request, "backoffice/campaigns/replay.html", {
        "draw": draw, "replay": selectors.replay_details(draw), "tab": "draws",
        "local_time": timezone.localtime(draw.created_at)})

