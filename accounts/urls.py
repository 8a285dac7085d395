from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_start, name="login"),
    path("login/code/", views.login_code, name="login_code"),
    path("login/choose/", views.choose, name="choose"),
    path("logout/", views.logout_view, name="logout"),
    path("patient/access-log/", views.my_access_log, name="my_access_log"),
]
