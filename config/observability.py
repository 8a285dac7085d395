"""What operators see: a request id on every request and log line (JSON logs), Prometheus
metrics (request latency and SQL queries per view, Celery queue depth, claims by status) and
`Cache-Control: no-store` on everything that may carry patient data."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import re
import time
import uuid

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
PRIVATE_PREFIXES = ("/static/", "/healthz", "/readyz", "/metrics")
RETRY_AFTER_DEFAULT = 60


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (the web request's, or '-')."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


def _metrics():
    """The metrics, created once per process (multiprocess mode under gunicorn when
    PROMETHEUS_MULTIPROC_DIR is set): server time, and SQL queries, per request."""
    global _METRICS
    if _METRICS is None:
        from prometheus_client import Histogram

        _METRICS = (
            Histogram("noskhe_request_seconds", "Server time per request",
                      ["view", "method", "status"],
                      buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5)),
            Histogram("noskhe_request_queries", "SQL queries per request", ["view", "method"],
                      buckets=(1, 2, 5, 10, 15, 20, 30, 50, 100)))
    return _METRICS


class _QueryCount:
    """An execute wrapper on every database connection: counts the request's queries."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


_METRICS = None


class RequestMiddleware:
    """Outermost: request id in and out, latency per view, no-store on private answers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id.set(rid)
        request.request_id = rid
        from django.db import connections

        queries = _QueryCount()
        started = time.perf_counter()
        try:
            with contextlib.ExitStack() as stack:
                for alias in settings.DATABASES:
                    stack.enter_context(connections[alias].execute_wrapper(queries))
                response = self.get_response(request)
        finally:
            request_id.reset(token)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or match._func_path) if match else "unresolved"
        seconds, counted = _metrics()
        seconds.labels(view, request.method, str(response.status_code)).observe(
            time.perf_counter() - started)
        counted.labels(view, request.method).observe(queries.count)
        if settings.QUERY_COUNT_HEADER:  # for the load benchmark: off in production
            response["X-Query-Count"] = str(queries.count)
        response["X-Request-ID"] = rid
        if response.status_code == 429:
            # a page that answers 429 from a domain error without saying when: a minute
            response.headers.setdefault("Retry-After", str(RETRY_AFTER_DEFAULT))
        if not request.path.startswith(PRIVATE_PREFIXES):
            # patient data must not sit in a shared cache or the browser's back/forward store
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def _queue_depths() -> dict[str, int]:
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        return {}
    import redis

    from config.celery import queues

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=1,
                                  socket_connect_timeout=1)
    try:
        return {name: client.llen(name) for name in queues()}
    except redis.RedisError:
        return {}
    finally:
        client.close()


def _scrape_extras() -> bytes:
    """Gauges read at scrape time from the broker and the database."""
    from django.db.models import Count
    from prometheus_client import CollectorRegistry, Gauge, generate_latest

    from claims.models import Claim

    registry = CollectorRegistry()
    depth = Gauge("noskhe_celery_queue_depth", "Messages waiting per Celery queue", ["queue"],
                  registry=registry)
    for name, length in _queue_depths().items():
        depth.labels(name).set(length)
    claims = Gauge("noskhe_claims", "Claims by status (sent, accepted, …)", ["status"],
                   registry=registry)
    for row in Claim.objects.values("status").annotate(n=Count("id")).order_by():
        claims.labels(row["status"]).set(row["n"])
    return generate_latest(registry)


def metrics(request):
    """GET /metrics for Prometheus: from METRICS_ALLOWED_IPS, or with METRICS_TOKEN."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    from accounts.web import client_ip

    token = settings.METRICS_TOKEN
    bearer = request.headers.get("Authorization", "")
    if not ((token and bearer == f"Bearer {token}")
            or client_ip(request) in settings.METRICS_ALLOWED_IPS):
        return HttpResponseForbidden("forbidden")
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    _metrics()
    body = generate_latest(registry) + _scrape_extras()
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
