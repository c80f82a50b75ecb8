"""The shop's URLs plus ``/bench/bare``: a bare Django view (no database, no template) behind
the same middleware, the baseline of the storefront benchmark; and ``/bench/signed-in``, the
same view after loading the session and the user (what every logged-in page pays first)."""

from django.http import HttpResponse
from django.urls import path

from project import urls as shop_urls


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


def signed_in(request):
    """The floor of any page for a logged-in shopper: the session and the user loaded."""
    return HttpResponse(b"ok %d" % request.user.pk, content_type="text/plain")


urlpatterns = [path("bench/bare", bare), path("bench/signed-in", signed_in), *shop_urls.urlpatterns]
for _name in ("handler400", "handler403", "handler404", "handler500"):
    if hasattr(shop_urls, _name):
        globals()[_name] = getattr(shop_urls, _name)
