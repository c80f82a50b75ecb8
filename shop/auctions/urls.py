from django.urls import path

from . import views

app_name = "auctions"

urlpatterns = [
    path("auctions/", views.session_list, name="list"),
    path("auctions/<int:pk>/", views.session_detail, name="session"),
    path("auctions/lots/<int:pk>/", views.lot_detail, name="lot"),
]
