"""The one exception handler: every API error body is `{detail, code, …}`, `detail` a
Persian sentence, `code` a stable word (README lists them); a 400 adds
`errors: {field: [message]}`, nested fields named by their path (`items.1.quantity`).
The shape itself is built in accounts/error_body.py."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.error_body import body, domain_body, flat_errors
from accounts.errors import DomainError, Throttled
from config import faults

# DRF's own errors, in the site's words: code -> Persian detail
DRF_DETAILS = {
    "not_authenticated": _("برای این کار باید وارد شوید (توکن یا نشست)."),
    "authentication_failed": _("توکن یا نشست معتبر نیست؛ دوباره وارد شوید."),
    "permission_denied": _("اجازه این کار را ندارید."),
    "method_not_allowed": _("این روش درخواست برای این نشانی پذیرفته نیست."),
    "not_acceptable": _("قالب پاسخ خواسته‌شده پشتیبانی نمی‌شود؛ JSON بخواهید."),
    "unsupported_media_type": _("نوع محتوای درخواست پشتیبانی نمی‌شود؛ JSON بفرستید."),
    "throttled": _("درخواست‌ها بیش از حد است؛ کمی بعد دوباره تلاش کنید."),
    "parse_error": _("بدنه درخواست JSON معتبر نیست."),
    "invalid": _("ورودی نامعتبر است."),
}
# DRF codes renamed to the site's
CODES = {"permission_denied": "forbidden", "not_found": "not_found"}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        response = Response(domain_body(exc), status=exc.status)
        if isinstance(exc, Throttled):
            response["Retry-After"] = str(exc.retry_after)
        return response
    what = faults.dependency_down(exc)
    if what:
        return faults.unavailable_response(context["request"], what)
    if isinstance(exc, exceptions.ParseError):
        code = exc.get_codes()
        if code in ("nested", "bad_text"):  # our parser's own, already in Persian
            return Response(body(code, exc.detail), status=status.HTTP_400_BAD_REQUEST)
        return Response(body("parse_error", DRF_DETAILS["parse_error"]),
                        status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, (Http404, exceptions.NotFound)):
        return Response(body("not_found", _("پیدا نشد."), http_status=404), status=404)
    if isinstance(exc, (PermissionDenied, exceptions.PermissionDenied)):
        return Response(body("forbidden", _("اجازه این کار را ندارید."), http_status=403),
                        status=403)
    if isinstance(exc, exceptions.ValidationError):
        return Response(body("invalid", DRF_DETAILS["invalid"], errors=flat_errors(exc.detail)),
                        status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        response.data = body(CODES.get(code, code), DRF_DETAILS.get(code, exc.detail),
                             http_status=response.status_code)
    return response
