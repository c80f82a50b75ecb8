from django.urls import path

from . import views

app_name = "wallets"

urlpatterns = [
    path("", views.WalletListView.as_view(), name="list"),
    path("<int:user_id>/", views.WalletDetailView.as_view(), name="detail"),
]
