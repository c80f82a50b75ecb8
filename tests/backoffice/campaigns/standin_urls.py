"""The project's URLs plus a stand-in ``lottery:my_prizes`` (the shopper's "My prizes" page, which
notifications link to) for as long as the storefront side of campaigns does not define it."""

from django.http import HttpResponse
from django.urls import include, path

from project.urls import urlpatterns as project_urlpatterns


def _my_prizes(request):
    return HttpResponse("My prizes")


urlpatterns = [
    path("me/prizes/", include(([path("", _my_prizes, name="my_prizes")], "lottery"))),
    *project_urlpatterns,
]
