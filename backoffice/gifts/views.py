"""Backoffice: gift draws (SPEC §6, §8) — the list with each draw's status by the clock, a draw
with its participants and winners, marking a winner's gift sent, and the winners CSV. Area
permission: ``gifts.change_giftdraw``.

The one write, marking a gift sent, goes through :func:`shop.gifts.services.mark_sent` (locked,
once, audited, the winner notified). A refused or invalid one is answered with its message and a
4xx status.
"""

import csv

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from shop.core import clock
from shop.core.errors import DomainError
from shop.core.redirects import redirect_to_next
from shop.gifts import services
from shop.gifts.models import GiftDraw, Participant

from ..access import StaffRequiredMixin, staff_area
from ..tables import BackofficeListView, table_page
from . import selectors
from .filters import TO_SEND, GiftDrawFilter, WinnerFilter
from .forms import MarkSentForm
from .tables import GiftDrawTable, ParticipantTable

PERMISSION = "gifts.change_giftdraw"
INVALID = 400  # a form that does not validate
REFUSED = 409  # a write the state of the winner refuses (no address yet, not a winner)


class GiftDrawListView(StaffRequiredMixin, BackofficeListView):
    area_permission = PERMISSION
    table_class = GiftDrawTable
    filterset_class = GiftDrawFilter
    template_name = "backoffice/gifts/list.html"

    def get_queryset(self):
        return selectors.draws_with_counts(GiftDraw.objects.all())

    def get_table_kwargs(self):
        return {"now": clock.now()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["to_send_count"] = selectors.to_send().count()
        context["to_send"] = TO_SEND
        return context


def _share_url(request, draw: GiftDraw) -> str | None:
    try:
        return request.build_absolute_uri(draw.get_absolute_url())
    except NoReverseMatch:  # the shop's gift pages are not mounted
        return None


@staff_area(PERMISSION)
def draw_detail(request, pk):
    """A draw with its participants; a POST marks one winner's gift sent (``participant``,
    optional ``tracking``)."""
    draw = get_object_or_404(selectors.draws_with_counts(GiftDraw.objects.all()), pk=pk)
    status, error = 200, None
    if request.method == "POST":
        form = MarkSentForm(request.POST)
        if not form.is_valid():
            error, status = " ".join(e for errors in form.errors.values() for e in errors), INVALID
        else:
            participant = get_object_or_404(Participant.objects.select_related("user"),
                                            pk=form.cleaned_data["participant"], draw=draw)
            try:
                entry = services.mark_sent(participant_id=participant.pk, operator=request.user,
                                           tracking=form.cleaned_data["tracking"], now=clock.now())
            except Participant.DoesNotExist:
                raise Http404 from None
            except DomainError as exc:
                error, status = exc.message, REFUSED
            else:
                messages.success(request, _("The gift for %(user)s is marked sent.") % {
                    "user": participant.user.get_username()})
                if entry.tracking:
                    messages.info(request, _("Tracking: %(tracking)s") % {"tracking": entry.tracking})
                return redirect_to_next(request, reverse("backoffice:gifts:detail", args=[draw.pk]))
    now = clock.now()
    state = selectors.state_at(draw, now)
    table = ParticipantTable(Participant.objects.filter(draw=draw).select_related("user"))
    context = {"draw": draw, "state": state, "state_label": selectors.STATE_LABELS[state],
               "counts": selectors.participant_counts(draw), "share_url": _share_url(request, draw),
               "seed_shown": draw.is_random and draw.is_drawn(), "error": error}
    return table_page(request, table, "backoffice/gifts/detail.html", context, per_page=50, status=status)


@staff_area(PERMISSION)
def winners_export(request):
    """CSV of winners (``?draw=<id>`` one draw, ``?status=to_send|sent|no_address``), like the
    auction results; cells a spreadsheet would run as a formula are quoted."""
    filters = WinnerFilter(request.GET, queryset=selectors.winners())
    if not filters.is_valid():  # never "everything" for a filter that could not be read
        return HttpResponseBadRequest(_("Check the filters: %(errors)s") % {
            "errors": " ".join(str(e) for errors in filters.errors.values() for e in errors)},
            content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="gift-winners-{clock.now():%Y%m%d-%H%M}.csv"'
    writer = csv.writer(response)
    writer.writerow(selectors.WINNERS_HEADER)
    writer.writerows(selectors.winner_row(entry) for entry in filters.qs.iterator(chunk_size=500))
    return response
