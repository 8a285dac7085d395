"""When a dependency is down: PostgreSQL, Redis (cache and throttles) or the broker.

Such a failure is not a bug in a request, so it never answers 500: the API gets a 503 JSON
body naming what is down, pages a Persian 503 page, both with Retry-After. The answer is
built without touching the database or the cache (they may be what is down), and the next
request reconnects on its own (CONN_HEALTH_CHECKS, redis-py's reconnect)."""

from __future__ import annotations

import logging

from django import db
from django.http import HttpResponse, JsonResponse
from django.template import loader

logger = logging.getLogger("noskhe.faults")

RETRY_AFTER_SECONDS = 10
JSON_PREFIXES = ("/api/", "/fhir/")


def _dependency_errors() -> tuple[tuple[type[BaseException], ...], str]:
    from kombu.exceptions import OperationalError as BrokerError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeout

    return (
        ((db.OperationalError, db.InterfaceError), "database"),
        ((RedisConnectionError, RedisTimeout), "cache"),
        ((BrokerError,), "broker"),
    )


def dependency_down(exc: BaseException | None) -> str | None:
    """'database', 'cache' or 'broker' when `exc` (or what caused it) is one of theirs."""
    seen = 0
    while exc is not None and seen < 5:
        for types, name in _dependency_errors():
            if isinstance(exc, types):
                return name
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def unavailable_response(request, what: str) -> HttpResponse:
    logger.error("dependency down: %s (%s %s)", what, request.method, request.path)
    message = "سامانه موقتاً در دسترس نیست. چند لحظه دیگر دوباره تلاش کنید."
    if request.path.startswith(JSON_PREFIXES) or "json" in request.headers.get("Accept", ""):
        response = JsonResponse({"detail": message, "code": "unavailable", "down": what},
                                status=503)
    else:
        html = loader.render_to_string("503.html", {"message": message})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
