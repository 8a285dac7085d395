"""NUL bytes in a path, a query string or a form body answer 400 before any view runs:
PostgreSQL text cannot hold NUL, so letting one through turns bad input into a 500."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from django.http import HttpResponse, JsonResponse

MESSAGE = "درخواست نویسه نامعتبر دارد."
FORM = "application/x-www-form-urlencoded"


def _has_nul(text: str | bytes) -> bool:
    raw = text.encode("latin-1", "replace") if isinstance(text, str) else text
    return b"\x00" in raw or b"\x00" in unquote_to_bytes(raw.replace(b"+", b" "))


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            "\x00" in request.path_info
            or _has_nul(request.META.get("QUERY_STRING", ""))
            or (request.content_type == FORM and _has_nul(request.body))
        ):
            return self._refuse(request)
        return self.get_response(request)

    @staticmethod
    def _refuse(request):
        if request.path.startswith(("/api/", "/fhir/")):
            return JsonResponse({"detail": MESSAGE, "code": "bad_text",
                                 "errors": {"non_field_errors": [MESSAGE]}}, status=400)
        return HttpResponse(MESSAGE, status=400, content_type="text/plain; charset=utf-8")
