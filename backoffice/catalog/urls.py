from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.ProductListView.as_view(), name="products"),
    path("new/", views.product_edit, name="new"),
    path("policy-row/", views.policy_row, name="policy_row"),
    path("<int:pk>/", views.product_edit, name="edit"),
    path("<int:pk>/status/", views.product_status, name="status"),
]
