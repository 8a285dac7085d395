"""The FHIR edge: every answer `application/fhir+json`, every error an OperationOutcome
with the HTTP status the JSON API would give, and nothing but reads."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.errors import DomainError

MEDIA_TYPE = "application/fhir+json"
# What `_format` and Accept may ask for: FHIR's JSON under any of its names.
JSON_FORMATS = {"json", "application/json", MEDIA_TYPE, "application/json+fhir"}
ACCEPTED = JSON_FORMATS | {"*/*", "application/*"}
READ_METHODS = ("GET", "HEAD")


class FhirJsonRenderer(JSONRenderer):
    media_type = MEDIA_TYPE
    format = "json"
    charset = "utf-8"


def _accepts_json(header: str) -> bool:
    for part in header.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        if any(p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000") for p in params):
            continue
        if media.lower() in ACCEPTED:
            return True
    return False


class FhirNegotiation(BaseContentNegotiation):
    """JSON only: `_format=json` (or a FHIR JSON media type) and any Accept that takes JSON;
    XML or anything else is 406."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = renderers[0]
        wanted = request.query_params.get("_format")
        accept = request.META.get("HTTP_ACCEPT", "").strip()
        if wanted is not None:
            if wanted.split(";")[0].strip().lower() not in JSON_FORMATS:
                raise exceptions.NotAcceptable(_("فقط قالب JSON پشتیبانی می‌شود."))
        elif accept and not _accepts_json(accept):
            raise exceptions.NotAcceptable(_("فقط قالب JSON پشتیبانی می‌شود."))
        return renderer, renderer.media_type


ISSUE_TYPE = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found",
              405: "not-supported", 406: "not-supported", 409: "conflict", 422: "processing",
              429: "throttled", 503: "transient"}


def operation_outcome(status: int, diagnostics: str, *, issue_type: str | None = None) -> dict:
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": "error",
                       "code": issue_type or ISSUE_TYPE.get(status, "exception"),
                       "diagnostics": diagnostics}]}


def _answer(status: int, diagnostics: str, *, issue_type: str | None = None,
            headers: dict | None = None) -> Response:
    return Response(operation_outcome(status, diagnostics, issue_type=issue_type),
                    status=status, headers=headers)


def exception_handler(exc, context):
    """The FHIR twin of config.api_errors: the same statuses, as OperationOutcome."""
    if isinstance(exc, DomainError):
        issue = "not-supported" if exc.code == "not_supported" else None
        return _answer(exc.status, str(exc.message), issue_type=issue)
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        header = getattr(exc, "auth_header", None)
        status = 401 if header else 403
        return _answer(status, str(exc.detail),
                       headers={"WWW-Authenticate": header} if header else None)
    if isinstance(exc, (Http404, exceptions.NotFound)):
        return _answer(404, _("پیدا نشد."))
    if isinstance(exc, (PermissionDenied, exceptions.PermissionDenied)):
        return _answer(403, str(getattr(exc, "detail", "")) or _("اجازه این کار را ندارید."))
    if isinstance(exc, exceptions.MethodNotAllowed):
        return _answer(405, _("این سرویس فقط خواندنی است؛ تنها GET پذیرفته می‌شود."),
                       headers={"Allow": ", ".join(READ_METHODS)})
    if isinstance(exc, exceptions.NotAcceptable):
        return _answer(406, str(exc.detail))
    if isinstance(exc, exceptions.Throttled):
        headers = {"Retry-After": str(int(exc.wait))} if exc.wait is not None else None
        return _answer(429, _("درخواست‌ها بیش از حد مجاز است. کمی بعد دوباره تلاش کنید."),
                       headers=headers)
    if isinstance(exc, exceptions.APIException):
        return _answer(exc.status_code, str(exc.detail))
    return None


class FhirApi(APIView):
    """Base of every FHIR view: the JSON API's authentication, FHIR JSON out, reads only,
    and out of the OpenAPI schema (FHIR publishes its own CapabilityStatement)."""

    renderer_classes = [FhirJsonRenderer]
    content_negotiation_class = FhirNegotiation
    http_method_names = [m.lower() for m in READ_METHODS]
    schema = None

    def initial(self, request, *args, **kwargs):
        # A write is refused before anything else: nobody may write here, signed in or not.
        if request.method not in READ_METHODS:
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)

    def get_exception_handler(self):
        return exception_handler
