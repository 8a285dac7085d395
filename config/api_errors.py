"""One place that maps domain errors to the contract's status codes."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.errors import DomainError, Throttled
from config import faults


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"detail": str(exc.message), "code": exc.code}
        body.update(exc.extra)
        response = Response(body, status=exc.status)
        if isinstance(exc, Throttled):
            response["Retry-After"] = str(exc.retry_after)
        return response
    what = faults.dependency_down(exc)
    if what:
        return faults.unavailable_response(context["request"], what)
    if isinstance(exc, exceptions.ParseError):
        code = exc.get_codes()
        if code in ("nested", "bad_text"):  # our parser's own, already in Persian
            return Response({"detail": str(exc.detail), "code": code},
                            status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {"detail": "بدنه درخواست JSON معتبر نیست.", "code": "parse_error"},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, (Http404, exceptions.NotFound)):
        return Response({"detail": "پیدا نشد.", "code": "not_found"}, status=404)
    if isinstance(exc, (PermissionDenied, exceptions.PermissionDenied)):
        return Response(
            {"detail": str(getattr(exc, "detail", "")) or "اجازه این کار را ندارید.",
             "code": "forbidden"},
            status=403,
        )
    return drf_exception_handler(exc, context)
