from django.urls import path

from . import views

app_name = "checkout"

urlpatterns = [
    path("checkout/", views.start, name="start"),
    path("checkout/quote/", views.quote, name="quote"),
    path("checkout/pay/", views.pay, name="pay"),
]
