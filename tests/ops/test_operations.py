"""Operations: liveness and readiness, NUL bytes, the client's address behind proxies, and a
dependency that fails mid-request answered 503 (never 500) on the API and on pages."""

import pytest
from django.db import OperationalError
from django.test import Client, RequestFactory

from accounts.web import client_ip
from tests.conftest import DEMO


def test_healthz_answers_while_the_process_runs(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_names_each_dependency(db, client, settings):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json() == {"database": "ok", "cache": "ok", "broker": "ok"}
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


def test_readyz_is_503_naming_what_is_down(db, client, settings, monkeypatch):
    from django.core.cache.backends.redis import RedisCache

    from config import health

    # nothing listens on port 1: a Redis and a broker that are down
    monkeypatch.setattr(health, "cache", RedisCache("redis://127.0.0.1:1/0",
                                                    {"OPTIONS": {"socket_connect_timeout": 1}}))
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["cache"].startswith("down") and body["broker"].startswith("down")
    assert set(body["down"]) == {"cache", "broker"}
    assert response["Retry-After"]


@pytest.mark.parametrize("path", [
    "/api/v1/prescriptions/%00abc",
    "/api/v1/prescriptions?national_code=%00",
    "/fulfil/?q=12%003",
    "/login/?next=/%00",
])
def test_nul_in_paths_and_queries_is_400(api_as, path):
    client = api_as("pharmacy")
    response = client.get(path)
    assert response.status_code == 400, (path, response.status_code)


def test_nul_in_bodies_is_400(api_as, demo, client):
    api = api_as("doctor", "درمانگاه شفا")
    response = api.generic("POST", "/api/v1/visits",
                           '{"national_code": "00123\\u00004567"}', content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "bad_text"
    page = client.post("/login/", "national_code=0012%00345679&mobile=09120000001",
                       content_type="application/x-www-form-urlencoded")
    assert page.status_code == 400


@pytest.mark.parametrize("hops, forwarded, expected", [
    (0, "6.6.6.6", "10.0.0.9"),                      # no proxy: the header is the client's own
    (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),      # one proxy: what it saw, not the spoof
    (2, "6.6.6.6, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
    (2, "203.0.113.7", "10.0.0.9"),                   # fewer entries than hops: not trusted
])
def test_client_ip_is_the_last_trusted_hop(settings, hops, forwarded, expected):
    settings.PROXY_HOPS = hops
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="10.0.0.9")
    assert client_ip(request) == expected


def _database_down(*args, **kwargs):
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")


def test_database_down_in_an_api_view_is_503_json(api_as, monkeypatch):
    from prescriptions import api as prescriptions_api

    api = api_as("pharmacy")
    monkeypatch.setattr(prescriptions_api.selectors, "counter_find", _database_down)
    response = api.get("/api/v1/prescriptions", {"national_code": DEMO["patient"][0]})
    assert response.status_code == 503
    assert response.json()["code"] == "unavailable" and response.json()["down"] == "database"
    assert response["Retry-After"]


def test_database_down_before_any_view_is_a_persian_503_page(demo, monkeypatch):
    from accounts import middleware

    monkeypatch.setattr(middleware.Membership.objects, "select_related", _database_down)
    browser = Client(raise_request_exception=False)
    browser.force_login(middleware.Membership.objects.filter(
        user__national_code=DEMO["pharmacy"][0]).first().user)
    session = browser.session
    session[middleware.SESSION_KEY] = 1
    session.save()
    page = browser.get("/fulfil/")
    assert page.status_code == 503
    assert "سامانه موقتاً در دسترس نیست" in page.content.decode()
    assert page["Retry-After"]


def test_each_kind_of_work_has_its_own_queue():
    from config.celery import app, queues, route

    base = app.conf.task_default_queue
    assert route("accounts.tasks.sms_code_deliver_task", (), {}, {}) == {"queue": f"{base}.sms"}
    assert route("claims.tasks.claims_job_run", (), {}, {}) == {"queue": f"{base}.claims"}
    assert route("claims.tasks.invoices_month_end", (), {}, {}) == {"queue": f"{base}.invoices"}
    assert route("prescriptions.tasks.prescriptions_expire", (), {}, {}) is None  # default
    assert set(queues()) == {base, f"{base}.sms", f"{base}.claims", f"{base}.invoices",
                             f"{base}.pdf"}
    # a worker started without -Q consumes every one of them
    assert {q.name for q in app.conf.task_queues} == set(queues())


def test_answers_carry_a_request_id_and_private_ones_no_store(api_as, client):
    api = api_as("pharmacy")
    response = api.get("/api/v1/me", HTTP_X_REQUEST_ID="bad id with spaces")
    assert len(response["X-Request-ID"]) == 32  # a malformed id is replaced, not echoed
    assert response["Cache-Control"] == "no-store"
    assert client.get("/healthz")["X-Request-ID"]


def test_metrics_are_for_the_scraper_only(client, settings):
    settings.METRICS_ALLOWED_IPS = []
    settings.METRICS_TOKEN = "s3cret"
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403


def test_queries_per_request_are_counted_for_the_metrics_and_the_benchmark(
        api_as, client, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = api_as("pharmacy")
    assert "X-Query-Count" not in api.get("/api/v1/me")  # off unless asked for
    settings.QUERY_COUNT_HEADER = True
    with CaptureQueriesContext(connection) as captured:
        response = api.get("/api/v1/me")
    assert int(response["X-Query-Count"]) == len(captured.captured_queries) > 0
    settings.METRICS_TOKEN = "s3cret"
    body = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret").content.decode()
    assert 'noskhe_request_queries_count{method="GET",view="api:me"}' in body
