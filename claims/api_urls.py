from django.urls import path

from claims import api

urlpatterns = [
    path("claims", api.ClaimsApi.as_view(), name="claims"),
    path("claims/add-unsent", api.ClaimsAddUnsentApi.as_view(), name="claims-add-unsent"),
    path("claims/send", api.ClaimsSendApi.as_view(), name="claims-send"),
    path("claims/resend-failed", api.ClaimsResendFailedApi.as_view(),
         name="claims-resend-failed"),
    path("jobs/<str:job_id>", api.JobApi.as_view(), name="job"),
]
