from django.urls import path

from accounts import api

urlpatterns = [
    path("auth/otp/request", api.OtpRequestApi.as_view(), name="otp-request"),
    path("auth/otp/verify", api.OtpVerifyApi.as_view(), name="otp-verify"),
    path("auth/membership", api.MembershipSwitchApi.as_view(), name="membership-switch"),
    path("auth/logout", api.LogoutApi.as_view(), name="logout"),
    path("me", api.MeApi.as_view(), name="me"),
    path("me/access-log", api.MyAccessLogApi.as_view(), name="me-access-log"),
    path("me/keys", api.MyKeysApi.as_view(), name="me-keys"),
    path("me/keys/<str:key_id>", api.MyKeyApi.as_view(), name="me-key"),
]
