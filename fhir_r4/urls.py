from django.urls import path, re_path

from fhir_r4 import views
from fhir_r4.endpoints import ENDPOINTS

app_name = "fhir"

urlpatterns = [path("metadata", views.MetadataApi.as_view(), name="metadata")]
for endpoint in ENDPOINTS:
    urlpatterns += [
        re_path(rf"^{endpoint.type}/?$", views.search_view(endpoint),
                name=f"{endpoint.type}-search"),
        path(f"{endpoint.type}/<str:resource_id>", views.read_view(endpoint),
             name=f"{endpoint.type}-read"),
    ]
urlpatterns.append(re_path(r"^", views.UnknownApi.as_view(), name="unknown"))
