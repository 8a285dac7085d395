from django.urls import path

from claims import views

app_name = "claims"
urlpatterns = [
    path("reviewer/", views.reviewer_home, name="reviewer_home"),
    path("claims/", views.facility_claims, name="facility_claims"),
    path("claims/add-unsent", views.claims_action, {"action": "add"}, name="claims_add"),
    path("claims/send", views.claims_action, {"action": "send"}, name="claims_send"),
    path("claims/resend-failed", views.claims_action, {"action": "resend"},
         name="claims_resend"),
    path("claims/connections/", views.connections, name="connections"),
    path("claims/invoices/", views.facility_invoices, name="facility_invoices"),
    path("claims/invoices/<int:invoice_id>/", views.facility_invoice, name="facility_invoice"),
    path("claims/connections/<str:code>/save", views.connection_save, name="connection_save"),
    path("claims/connections/<str:code>/check", views.connection_check,
         name="connection_check"),
]
