from django.urls import path

from . import views

app_name = "auctions"

urlpatterns = [
    path("auctions/", views.session_list, name="list"),
    path("auctions/<int:pk>/", views.session_detail, name="session"),
    path("auctions/<int:pk>/deposit/", views.session_deposit, name="session_deposit"),
    path("auctions/lots/<int:pk>/", views.lot_detail, name="lot"),
    path("auctions/lots/<int:pk>/live/", views.lot_live, name="live"),
    path("auctions/lots/<int:pk>/bid/", views.lot_bid, name="bid"),
    path("auctions/lots/<int:pk>/deposit/", views.lot_deposit, name="deposit"),
    path("auctions/lots/<int:pk>/comments/", views.lot_comment, name="comment"),
    path("me/auctions/", views.my_auctions, name="mine"),
    path("me/auctions/orders/<str:number>/pay/", views.pay_order, name="pay"),
]
