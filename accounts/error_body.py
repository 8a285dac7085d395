"""The one shape of every API error body, `{detail, code, …}` (a 400 adds
`errors: {field: [message]}`, nested fields named by path): built here, at the bottom, for
the exception handler (config/api_errors.py), Django's own error views and the stored
answers of Idempotency-Keys."""

from django.http import JsonResponse
from rest_framework import exceptions

from accounts.errors import DomainError


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


def json_error(status_code: int, code: str, detail) -> JsonResponse:
    """The same shape for answers Django gives before any API view runs (an unknown
    /api/ path, a CSRF refusal, a crash)."""
    return JsonResponse(body(code, detail, http_status=status_code), status=status_code,
                        json_dumps_params={"ensure_ascii": False})
