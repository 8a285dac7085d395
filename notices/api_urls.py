from django.urls import path

from notices import api

urlpatterns = [
    path("me/notices", api.MyNoticesApi.as_view(), name="me-notices"),
]
