"""FHIR R4 views: read by id, search, and the CapabilityStatement. Each authorises (the
endpoint's roles), asks fhir_r4.selectors, logs the read and maps the rows; nothing else."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.errors import NotFound
from accounts.permissions import roles
from fhir_r4 import bundles
from fhir_r4.endpoints import ENDPOINTS, Endpoint
from fhir_r4.http import FhirApi
from fhir_r4.search import search_parse


class MetadataApi(FhirApi):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        return Response(bundles.capability_statement(request, ENDPOINTS))


class ReadApi(FhirApi):
    endpoint: Endpoint

    def get(self, request, resource_id):
        row = self.endpoint.get(request.membership, resource_id)
        if self.endpoint.audit:
            self.endpoint.audit(request, [row], None)
        return Response(self.endpoint.render([row], request.membership)[0])


class SearchApi(FhirApi):
    endpoint: Endpoint

    def get(self, request):
        endpoint = self.endpoint
        search = search_parse(request.query_params, allowed=endpoint.param_names)
        queryset = endpoint.search(request.membership, search)
        total = queryset.count()
        rows = list(queryset[search.offset:search.offset + search.count]) if search.count else []
        if endpoint.audit:
            endpoint.audit(request, rows, search)
        return Response(bundles.searchset(request, endpoint.type,
                                          endpoint.render(rows, request.membership),
                                          total=total, search=search))


class UnknownApi(FhirApi):
    """Any other path under /fhir/r4/: an OperationOutcome, not the site's HTML 404."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request, *args, **kwargs):
        raise NotFound(_("این نوع منبع یا نشانی در این سرور FHIR نیست."))


def _view(base: type[FhirApi], endpoint: Endpoint):
    return type(f"{endpoint.type}{base.__name__}", (base,), {
        "endpoint": endpoint, "permission_classes": [roles(*endpoint.roles)]}).as_view()


def read_view(endpoint: Endpoint):
    return _view(ReadApi, endpoint)


def search_view(endpoint: Endpoint):
    return _view(SearchApi, endpoint)
