from django.urls import path

from . import views

app_name = "wallet"

urlpatterns = [path("me/wallet/", views.wallet, name="wallet")]
