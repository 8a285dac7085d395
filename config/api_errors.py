"""The one exception handler: every API error body is `{detail, code, …}`, `detail` a
Persian sentence, `code` a stable word (README lists them); a 400 adds
`errors: {field: [message]}`, nested fields named by their path (`items.1.quantity`)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

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


def flat_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors as {path: [messages]}: {"items": [{}, {"quantity": ["…"]}]}
    becomes {"items.1.quantity": ["…"]}; a nested object's own error is named by its path
    (`payment`), the body's as a whole sit under "non_field_errors"."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            # a nested object's own error (not a dict, missing) is named by the object
            path = prefix if prefix and key == "non_field_errors" else (
                f"{prefix}.{key}" if prefix else str(key))
            for name, messages in flat_errors(value, path).items():
                out.setdefault(name, []).extend(messages)
    elif isinstance(detail, list) and detail and all(
            isinstance(v, (str, exceptions.ErrorDetail)) for v in detail):
        out[prefix or "non_field_errors"] = [str(v) for v in detail]
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if value:
                out.update(flat_errors(value, f"{prefix}.{index}" if prefix else str(index)))
    elif detail not in (None, ""):
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def body(code: str, detail, *, http_status: int = 400, **extra) -> dict:
    """The one shape; a 400 always names what is at fault (the body as a whole when no
    field is)."""
    out = {"detail": str(detail), "code": code, **extra}
    if http_status == 400 and not out.get("errors"):
        out["errors"] = {"non_field_errors": [str(detail)]}
    return out


def domain_body(exc: DomainError) -> dict:
    extra = dict(exc.extra)
    if "errors" in extra:
        extra["errors"] = flat_errors(extra["errors"])
    return body(exc.code, exc.message, http_status=exc.status, **extra)


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


def json_error(status_code: int, code: str, detail) -> JsonResponse:
    """The same shape for answers Django gives before any API view runs (an unknown
    /api/ path, a CSRF refusal, a crash)."""
    return JsonResponse(body(code, detail, http_status=status_code), status=status_code,
                        json_dumps_params={"ensure_ascii": False})
