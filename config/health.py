"""Liveness and readiness for load balancers and orchestrators (CONTRACT "FHIR R4 and
operations"): /healthz answers while the process runs; /readyz asks the database, the cache
and the broker, each with a short timeout, and answers 503 naming what is down (read
replicas are listed too, but the primary serves when they are down)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

TIMEOUT_SECONDS = 2


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    cache.set("readyz", "1", timeout=10)
    if cache.get("readyz") != "1":
        raise RuntimeError("cache did not keep a value")


def _broker() -> None:
    if not settings.CELERY_BROKER_URL:
        return  # no broker: tasks run in the web process
    from kombu import Connection

    with Connection(settings.CELERY_BROKER_URL, connect_timeout=TIMEOUT_SECONDS) as conn:
        conn.ensure_connection(max_retries=0, timeout=TIMEOUT_SECONDS)


CHECKS = {"database": _database, "cache": _cache, "broker": _broker}


def _replicas() -> dict[str, str]:
    """Each read replica's state ("ok", "lagging: 7.2s", "down: …"); informative only: the
    primary serves reads while a replica is down, so it never makes the site unready."""
    from config.db_router import replica_aliases, replica_check

    return {alias: replica_check(alias).detail for alias in replica_aliases()}


def _run(check) -> str:
    try:
        check()
    except Exception as exc:  # any failure means "not ready"; the name says what
        return f"down: {type(exc).__name__}"
    return "ok"


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    body = {name: _run(check) for name, check in CHECKS.items()}
    down = [name for name, state in body.items() if state != "ok"]
    if down:
        body["down"] = down
    replicas = _replicas()
    if replicas:
        body["replicas"] = replicas
    response = JsonResponse(body, status=503 if down else 200)
    if down:
        response["Retry-After"] = "10"
    return response
