from django.urls import include, path

from . import views

app_name = "backoffice"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("catalog/", include("backoffice.catalog.urls")),
    path("coupons/", include("backoffice.coupons.urls")),
    path("campaigns/conversion/", include("backoffice.conversion.urls")),
    path("campaigns/", include("backoffice.campaigns.urls")),
    path("gifts/", include("backoffice.gifts.urls")),
    path("auctions/", include("backoffice.auctions.urls")),
    path("orders/", include("backoffice.orders.urls")),
    path("wallets/", include("backoffice.wallets.urls")),
    path("audit/", include("backoffice.audit.urls")),
]
