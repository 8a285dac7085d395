from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as account_views
from config import health, observability

api_v1 = [
    path("", include("accounts.api_urls")),
    path("", include("prescriptions.api_urls")),
    path("", include("pharmacy.api_urls")),
    path("", include("claims.api_urls")),
    path("", include("paper.api_urls")),
    path("", include("notices.api_urls")),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", observability.metrics, name="metrics"),
    path("admin/login/", account_views.admin_login),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # the split view loads its start-up script from a URL of its own: no inline script,
    # so the docs live under the same strict Content-Security-Policy as every page
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("fhir/r4/", include("fhir_r4.urls")),
    path("", include("accounts.urls")),
    path("", include("prescriptions.urls")),
    path("", include("pharmacy.urls")),
    path("", include("claims.urls")),
    path("", include("complaints.urls")),
    path("", include("notices.urls")),
]

handler400 = "accounts.views.bad_request"
handler403 = "accounts.views.forbidden"
handler404 = "accounts.views.not_found"
handler500 = "accounts.views.server_error"
