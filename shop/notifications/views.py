from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import translation

from . import services

LANGUAGE_SESSION_KEY = "notifications_language"


def bell(request):
    """The header bell's badge (htmx, loaded by every page and polled). It also remembers the
    language the shopper reads the site in, for the e-mails sent while they are away: one small
    write per session and change of language (the session knows what was stored)."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    language = translation.get_language()
    if request.session.get(LANGUAGE_SESSION_KEY) != language and services.remember_language(request.user, language):
        request.session[LANGUAGE_SESSION_KEY] = language
    return render(request, "notifications/bell.html", {"unread": services.unread_count(request.user)})


@login_required
def inbox(request):
    page = Paginator(services.visible(request.user), settings.BAZAAR_PAGE_SIZE).get_page(request.GET.get("page"))
    unread_ids = {n.pk for n in page if n.read_at is None}
    response = render(request, "notifications/inbox.html", {"page": page, "unread_ids": unread_ids})
    services.mark_read(request.user, unread_ids)
    return response

