from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import services


def bell(request):
    """The header bell's badge (htmx, polled)."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    return render(request, "notifications/bell.html", {"unread": services.unread_count(request.user)})


@login_required
def inbox(request):
    page = Paginator(services.visible(request.user), settings.BAZAAR_PAGE_SIZE).get_page(request.GET.get("page"))
    unread_ids = {n.pk for n in page if n.read_at is None}
    response = render(request, "notifications/inbox.html", {"page": page, "unread_ids": unread_ids})
    services.visible(request.user).filter(pk__in=unread_ids).update(read_at=services.clock.now())
    return response


@require_POST
@login_required
def mark_all_read(request):
    services.mark_all_read(request.user)
    if request.htmx:
        return render(request, "notifications/bell.html", {"unread": 0})
    return redirect("notifications:inbox")
