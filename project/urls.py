from django.conf import settings
from django.conf.urls.static import static
from django.urls import include, path, re_path
from django.views.static import serve

from shop.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    # Patterns are tried in order: the pages a crowd hits come first (the catalogue, the cart,
    # the coupon centre), the rest after them.
    path("", include("shop.catalog.urls")),
    path("", include("shop.cart.urls")),
    path("", include("shop.coupons.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("shop.accounts.urls")),
    path("", include("shop.wallet.urls")),
    path("", include("shop.notifications.urls")),
    path("", include("shop.checkout.urls")),
    path("", include("shop.orders.urls")),
    path("", include("shop.courses.urls")),
    path("", include("shop.payments.urls")),
    path("", include("shop.lottery.urls")),
    path("", include("shop.auctions.urls")),
    path("", include("shop.conversion.urls")),
    path("", include("shop.gifts.urls")),
    path("backoffice/", include("backoffice.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
elif getattr(settings, "BAZAAR_SERVE_MEDIA", False):  # the demo has no proxy in front to serve uploads
    urlpatterns += [re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})]

handler400 = "shop.core.views.bad_request"
handler403 = "shop.core.views.permission_denied"
handler404 = "shop.core.views.page_not_found"
handler500 = "shop.core.views.server_error"
