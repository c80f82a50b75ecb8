from django.urls import path

from . import views

app_name = "conversion"

urlpatterns = [
    path("me/wallet/convert/", views.convert, name="convert"),
    path("me/wallet/convert/preview/", views.preview, name="preview"),
]
