from django.urls import path

from prescriptions import api

urlpatterns = [
    path("patients", api.PatientsApi.as_view(), name="patients"),
    path("patients/<str:national_code>/history-access", api.HistoryAccessApi.as_view(),
         name="history-access"),
    path("patients/<str:national_code>/history-access/verify",
         api.HistoryAccessVerifyApi.as_view(), name="history-access-verify"),
    path("patients/<str:national_code>/history", api.HistoryApi.as_view(), name="history"),
    path("referrals", api.ReferralsApi.as_view(), name="referrals"),
    path("referrals/<str:code>", api.ReferralApi.as_view(), name="referral"),
    path("me/history-unlock", api.HistoryUnlockApi.as_view(), name="history-unlock"),
    path("me/history-unlock/verify", api.HistoryUnlockVerifyApi.as_view(),
         name="history-unlock-verify"),
    path("patients/<str:national_code>/medications", api.MedicationsApi.as_view(),
         name="medications"),
    path("visits", api.VisitsApi.as_view(), name="visits"),
    path("visits/<int:visit_id>/complete", api.VisitCompleteApi.as_view(), name="visit-complete"),
    path("queue", api.QueueApi.as_view(), name="queue"),
    path("prescriptions", api.PrescriptionsApi.as_view(), name="prescriptions"),
    path("prescriptions/preview", api.PreviewApi.as_view(), name="prescription-preview"),
    path("prescriptions/<str:tracking_code>", api.PrescriptionDetailApi.as_view(),
         name="prescription"),
    path("prescriptions/<str:tracking_code>/cancel", api.PrescriptionCancelApi.as_view(),
         name="prescription-cancel"),
]
