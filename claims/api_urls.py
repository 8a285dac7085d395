from django.urls import path

from claims import api

urlpatterns = [
    path("claims", api.ClaimsApi.as_view(), name="claims"),
    path("claims/add-unsent", api.ClaimsAddUnsentApi.as_view(), name="claims-add-unsent"),
    path("claims/send", api.ClaimsSendApi.as_view(), name="claims-send"),
    path("claims/resend-failed", api.ClaimsResendFailedApi.as_view(),
         name="claims-resend-failed"),
    path("jobs/<str:job_id>", api.JobApi.as_view(), name="job"),
    path("invoices", api.InvoicesApi.as_view(), name="invoices"),
    path("invoices/<str:invoice_id>.pdf", api.InvoicePdfApi.as_view(), name="invoice-pdf"),
    path("invoices/<str:invoice_id>.csv", api.InvoiceCsvApi.as_view(), name="invoice-csv"),
    path("invoices/<str:invoice_id>/deductions", api.DeductionsApi.as_view(),
         name="invoice-deductions"),
    path("invoices/<str:invoice_id>/status", api.InvoiceStatusApi.as_view(),
         name="invoice-status"),
    path("invoices/<str:invoice_id>", api.InvoiceDetailApi.as_view(), name="invoice"),
]
