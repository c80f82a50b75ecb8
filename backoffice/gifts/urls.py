from django.urls import path

from . import views

app_name = "gifts"

urlpatterns = [
    path("", views.GiftDrawListView.as_view(), name="list"),
    path("winners.csv", views.winners_export, name="export"),
    path("<int:pk>/", views.draw_detail, name="detail"),
]
