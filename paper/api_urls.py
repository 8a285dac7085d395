from django.urls import path

from paper import api

urlpatterns = [
    path("prescriptions/<str:tracking_code>/paper.pdf", api.PaperPdfApi.as_view(),
         name="paper-pdf"),
    path("paper/verify", api.PaperVerifyApi.as_view(), name="paper-verify"),
    path("paper/keys", api.PaperKeysApi.as_view(), name="paper-keys"),
]
