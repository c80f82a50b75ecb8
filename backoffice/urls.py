from django.urls import include, path

from . import views

app_name = "backoffice"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("wallets/", include("backoffice.wallets.urls")),
    path("audit/", include("backoffice.audit.urls")),
]
