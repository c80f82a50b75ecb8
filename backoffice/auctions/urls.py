from django.urls import path

from . import views

app_name = "auctions"

urlpatterns = [
    path("", views.SessionListView.as_view(), name="list"),
    path("new/", views.session_edit, name="new"),
    path("<int:pk>/", views.session_detail, name="detail"),
    path("<int:pk>/edit/", views.session_edit, name="edit"),
    path("<int:pk>/delete/", views.session_delete, name="delete"),
    path("<int:pk>/results.csv", views.results_export, name="export"),
    path("<int:pk>/lots/new/", views.lot_edit, name="lot_new"),
    path("lots/<int:lot_id>/", views.lot_detail, name="lot"),
    path("lots/<int:lot_id>/edit/", views.lot_edit, name="lot_edit"),
    path("lots/<int:lot_id>/delete/", views.lot_delete, name="lot_delete"),
    path("colours/", views.ColourListView.as_view(), name="colours"),
    path("colours/new/", views.colour_edit, name="colour_new"),
    path("colours/<int:colour_id>/edit/", views.colour_edit, name="colour_edit"),
    path("words/", views.words, name="words"),
    path("words/<int:word_id>/delete/", views.word_delete, name="word_delete"),
]
