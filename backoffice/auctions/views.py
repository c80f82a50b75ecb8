"""Backoffice: auction sessions with their lots (deposits, bids, standing maxima, settlement
outcome, results CSV), comment colours and banned words. Area permission:
``auctions.change_auctionsession``.

Writes go through :mod:`shop.auctions.operations` (locked, re-checked against the clock,
audited). A form that does not validate, or a write the rules refuse, is answered with its
messages and a 4xx status.
"""

import copy
import csv

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from shop.auctions import operations
from shop.auctions.forms import BannedWordsForm, ColourForm, LotForm, SessionForm
from shop.auctions.models import AuctionSession, BannedWord, Bid, CommentColour, Lot, LotState, SessionState
from shop.core import clock
from shop.core.errors import DomainError

from ..access import StaffRequiredMixin, staff_area
from ..tables import BackofficeListView, table_page
from . import selectors
from .filters import ColourFilter, SessionFilter, WordFilter
from .tables import BidTable, ColourTable, LotTable, SessionTable, WordTable

PERMISSION = "auctions.change_auctionsession"
INVALID = 400  # a form that does not validate
REFUSED = 409  # a write the state of the object refuses (bidding started, a deposit being paid…)


class AreaListView(StaffRequiredMixin, BackofficeListView):
    area_permission = PERMISSION


def _posted(request):
    """Form data and files of a POST (even an empty one, so it is validated), else None."""
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


def _apply(form, exc: DomainError) -> int:
    """Show a refused write on ``form``: field messages next to their fields; the status to answer."""
    if isinstance(exc, operations.Invalid):
        for name, message in exc.errors.items():
            form.add_error(name if name in form.fields else None, message)
        return INVALID
    form.add_error(None, exc.message)
    return REFUSED


# --- sessions ------------------------------------------------------------------------------------
class SessionListView(AreaListView):
    table_class = SessionTable
    filterset_class = SessionFilter
    template_name = "backoffice/auctions/list.html"
    tab = "sessions"

    def get_queryset(self):
        return selectors.sessions_with_counts(AuctionSession.objects.alive())

    def get_table_kwargs(self):
        return {"now": clock.now()}


@staff_area(PERMISSION)
def session_edit(request, pk=None):
    session = get_object_or_404(AuctionSession.objects.alive(), pk=pk) if pk else None
    now = clock.now()
    locked = session is not None and operations.bidding_started(session, now)
    data, files = _posted(request)
    form = SessionForm(data, files, instance=copy.copy(session) if session else AuctionSession(), times_locked=locked)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = operations.session_save(actor=request.user, data=form.cleaned_data, now=now,
                                                session_id=session.pk if session else None)
            except DomainError as exc:
                status = _apply(form, exc)
            else:
                messages.success(request, _("Auction session “%(title)s” saved.") % {"title": saved.title})
                return redirect("backoffice:auctions:detail", pk=saved.pk)
        else:
            status = INVALID
    return render(request, "backoffice/auctions/session_form.html",
                  {"form": form, "session": session, "locked": locked, "tab": "sessions"}, status=status)


@staff_area(PERMISSION)
def session_detail(request, pk):
    session = get_object_or_404(selectors.sessions_with_counts(AuctionSession.objects.all()), pk=pk)
    now = clock.now()
    table = LotTable(selectors.session_lots(session), session=session, now=now)
    state = session.state_at(now)
    context = {"session": session, "state": state, "state_label": SessionState(state).label,
               "open": now < session.starts_at, "tab": "sessions"}
    return table_page(request, table, "backoffice/auctions/session_detail.html", context, per_page=50)


@staff_area(PERMISSION)
def session_delete(request, pk):
    session = get_object_or_404(selectors.sessions_with_counts(AuctionSession.objects.alive()), pk=pk)
    error, status = None, 200
    if request.method == "POST":
        try:
            operations.session_delete(actor=request.user, session_id=session.pk, now=clock.now())
        except DomainError as exc:
            error, status = exc.message, REFUSED
        else:
            messages.success(request, _("Auction session “%(title)s” deleted.") % {"title": session.title})
            return redirect("backoffice:auctions:list")
    return render(request, "backoffice/auctions/session_delete.html",
                  {"session": session, "error": error, "started": operations.bidding_started(session, clock.now()),
                   "tab": "sessions"}, status=status)


@staff_area(PERMISSION)
def results_export(request, pk):
    """CSV of the session's results: one row per lot."""
    session = get_object_or_404(AuctionSession.objects.alive(), pk=pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="auction-{session.pk}-results.csv"'
    writer = csv.writer(response)
    writer.writerow(selectors.RESULTS_HEADER)
    writer.writerows(selectors.results_rows(session, clock.now()))
    return response


# --- lots ----------------------------------------------------------------------------------------
@staff_area(PERMISSION)
def lot_edit(request, pk=None, lot_id=None):
    """Add a lot to session ``pk`` or edit lot ``lot_id``, before bidding starts."""
    if lot_id is not None:
        lot = get_object_or_404(Lot.objects.select_related("session"), pk=lot_id, is_deleted=False,
                                session__is_deleted=False)
        session = lot.session
    else:
        lot, session = None, get_object_or_404(AuctionSession.objects.alive(), pk=pk)
    now = clock.now()
    if request.method != "POST" and operations.bidding_started(session, now):  # a POST is refused with its form
        messages.error(request, _("Bidding has started: lots can no longer be added, changed or removed."))
        return redirect("backoffice:auctions:lot", lot_id=lot.pk) if lot else \
            redirect("backoffice:auctions:detail", pk=session.pk)
    data, files = _posted(request)
    form = LotForm(data, files, instance=copy.copy(lot) if lot else Lot(session=session))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = operations.lot_save(actor=request.user, session_id=session.pk, data=form.cleaned_data,
                                            now=now, lot_id=lot.pk if lot else None)
            except DomainError as exc:
                status = _apply(form, exc)
            else:
                messages.success(request, _("Lot %(no)s “%(title)s” saved.") % {"no": saved.catalogue_no,
                                                                                  "title": saved.title})
                if "another" in request.POST:
                    return redirect("backoffice:auctions:lot_new", pk=session.pk)
                return redirect("backoffice:auctions:detail", pk=session.pk)
        else:
            status = INVALID
    return render(request, "backoffice/auctions/lot_form.html",
                  {"form": form, "lot": lot, "session": session, "tab": "sessions"}, status=status)


@staff_area(PERMISSION)
def lot_detail(request, lot_id):
    lot = get_object_or_404(Lot.objects.select_related("session", "leader"), pk=lot_id)
    now = clock.now()
    session = lot.session
    table = BidTable(Bid.objects.filter(lot=lot).select_related("user"))
    state = lot.state_at(now, session)
    context = {"lot": lot, "session": session, "state": state, "state_label": LotState(state).label, "tab": "sessions",
               "open": now < session.starts_at and not lot.is_deleted and not session.is_deleted,
               "extended": lot.ends_at > session.ends_at, "deposits": selectors.lot_deposits(lot),
               "maxima": selectors.lot_maxima(lot), "result": selectors.lot_result(lot)}
    return table_page(request, table, "backoffice/auctions/lot_detail.html", context)


@staff_area(PERMISSION)
def lot_delete(request, lot_id):
    lot = get_object_or_404(Lot.objects.select_related("session"), pk=lot_id, is_deleted=False,
                            session__is_deleted=False)
    error, status = None, 200
    if request.method == "POST":
        try:
            operations.lot_delete(actor=request.user, lot_id=lot.pk, now=clock.now())
        except DomainError as exc:
            error, status = exc.message, REFUSED
        else:
            messages.success(request, _("Lot %(no)s “%(title)s” deleted.") % {"no": lot.catalogue_no,
                                                                                "title": lot.title})
            return redirect("backoffice:auctions:detail", pk=lot.session_id)
    return render(request, "backoffice/auctions/lot_delete.html",
                  {"lot": lot, "session": lot.session, "error": error, "tab": "sessions",
                   "started": operations.bidding_started(lot.session, clock.now())}, status=status)


# --- comment colours -----------------------------------------------------------------------------
class ColourListView(AreaListView):
    table_class = ColourTable
    filterset_class = ColourFilter
    template_name = "backoffice/auctions/colours.html"
    tab = "colours"

    def get_queryset(self):
        return CommentColour.objects.all()


@staff_area(PERMISSION)
def colour_edit(request, colour_id=None):
    colour = get_object_or_404(CommentColour, pk=colour_id) if colour_id else None
    data, _files = _posted(request)
    form = ColourForm(data, instance=copy.copy(colour) if colour else CommentColour())
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = operations.colour_save(actor=request.user, data=form.cleaned_data,
                                               colour_id=colour.pk if colour else None)
            except DomainError as exc:
                status = _apply(form, exc)
            else:
                messages.success(request, _("Colour “%(name)s” saved.") % {"name": saved.name})
                return redirect("backoffice:auctions:colours")
        else:
            status = INVALID
    return render(request, "backoffice/auctions/colour_form.html",
                  {"form": form, "colour": colour, "tab": "colours"}, status=status)


# --- banned words --------------------------------------------------------------------------------
@staff_area(PERMISSION)
def words(request):
    """The banned words (a filtered table) and a box to add several at once; the report says
    which were added and which were skipped (repeated, already listed, blank, too long)."""
    data, _files = _posted(request)
    form, result, status = BannedWordsForm(data), None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = operations.add_banned_words(actor=request.user, text=form.cleaned_data["words"])
            except DomainError as exc:
                status = _apply(form, exc)
            else:
                form = BannedWordsForm()
        else:
            status = INVALID
    filters = WordFilter(request.GET, queryset=BannedWord.objects.all())
    table = WordTable(filters.qs if filters.is_valid() else BannedWord.objects.none())
    return table_page(request, table, "backoffice/auctions/words.html",
                      {"form": form, "result": result, "filter": filters, "tab": "words"}, per_page=50, status=status)


@staff_area(PERMISSION)
def word_delete(request, word_id):
    word = get_object_or_404(BannedWord, pk=word_id)
    if request.method == "POST":
        try:
            operations.delete_banned_word(actor=request.user, word_id=word.pk)
        except DomainError as exc:  # deleted meanwhile
            messages.error(request, exc.message)
        else:
            messages.success(request, _("“%(word)s” is no longer banned.") % {"word": word.word})
        return redirect(reverse("backoffice:auctions:words"))
    return render(request, "backoffice/auctions/word_delete.html", {"word": word, "tab": "words"})
