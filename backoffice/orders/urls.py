from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("", views.OrderListView.as_view(), name="list"),
    path("export.csv", views.order_export, name="export"),
    path("enrollments/", views.EnrollmentListView.as_view(), name="enrollments"),
    path("enrollments/<int:pk>/", views.enrollment_detail, name="enrollment"),
    path("<str:number>/", views.order_detail, name="detail"),
    path("<str:number>/refund/", views.order_refund_decision, name="refund"),
]
