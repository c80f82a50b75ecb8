"""The shop's URLs plus ``/bench/bare``: a bare Django view (no database, no template) behind
the same middleware, the baseline of the storefront benchmark."""

from django.http import HttpResponse
from django.urls import path

from project import urls as shop_urls


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/bare", bare), *shop_urls.urlpatterns]
for _name in ("handler400", "handler403", "handler404", "handler500"):
    if hasattr(shop_urls, _name):
        globals()[_name] = getattr(shop_urls, _name)
