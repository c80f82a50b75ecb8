import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from shop.core import clock
from shop.core.errors import DomainError
from shop.core.money import format_credits, format_money

from . import rules, services
from .forms import ConvertForm
from .models import Conversion

TEMPLATE = "conversion/convert.html"


def _context(request, form, *, now, error=None):
    """The page's figures: the terms, the quota left, the shopper's gems, the checklist for the
    amount typed (if it is a valid one) and what it would give."""
    gems = form.cleaned_data.get("gems") if form.is_bound and form.is_valid() else None
    facts = services.facts_for(request.user, now=now, gems=gems)
    checklist = rules.evaluate(facts)
    blocked = rules.first_block(checklist)
    return {
        "form": form, "terms": facts.terms, "facts": facts, "rules": checklist, "blocked": blocked,
        "quote": rules.quote(gems, facts.terms) if gems is not None and facts.terms else None,
        "month": rules.month_of(now), "error": error,
        "idem": (form.cleaned_data.get("idem") if form.is_bound else "") or uuid.uuid4().hex,
    }


@login_required
def convert(request):
    """GET: the page (``?gems=`` shows the preview of that amount). POST: convert, once."""
    now = clock.now()
    if request.method != "POST":
        form = ConvertForm(request.GET if "gems" in request.GET else None)
        return render(request, TEMPLATE, _context(request, form, now=now))
    form = ConvertForm(request.POST)
    error = None
    if form.is_valid():
        key = form.cleaned_data["idem"]
        try:
            conversion = services.convert(user=request.user, gems=form.cleaned_data["gems"], now=now,
                                          request_key=key)
        except DomainError as exc:
            done = Conversion.objects.filter(user=request.user, month=rules.month_of(now)).first()
            if key and done and done.request_key == key:  # this very form was converted: a replay or double click
                messages.info(request, _("That conversion is already done: %(gems)s gems gave %(credited)s.")
                              % {"gems": format_credits(done.gems), "credited": format_money(done.credited)})
                return _done(request)
            error = exc.message
        else:
            messages.success(request, _("Converted %(gems)s gems into %(credited)s.")
                             % {"gems": format_credits(conversion.gems), "credited": format_money(conversion.credited)})
            return _done(request)
    context = _context(request, form, now=now, error=error)
    return render(request, TEMPLATE, context)


def _done(request):
    return HttpResponseClientRedirect(request.path) if request.htmx else redirect("conversion:convert")


@login_required
def preview(request):
    """What the amount typed would give, and the checklist for it: the partial for htmx (GET on
    input), the whole page for the Preview button without JavaScript (a POST, so the form's CSRF
    token never lands in a URL)."""
    form = ConvertForm(request.POST if request.method == "POST" else request.GET)
    return render(request, TEMPLATE + "#preview" if request.htmx else TEMPLATE, _context(request, form, now=clock.now()))
