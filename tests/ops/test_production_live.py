"""PostgreSQL and Redis going down under the production server (gunicorn, DEBUG off): the
API answers 503 JSON, pages a Persian 503 page (sign-in included), /readyz names what is
down, and the site recovers by itself when the service returns. The services stopped are
private instances on ports of their own, stopped by PID; the shared ones are never touched."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests

from tests.conftest import DEMO
from tests.ops.private_services import (
    PrivatePostgres,
    PrivateRedis,
    free_port,
    postgres_bin,
    server_env,
    wait_port,
)

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(postgres_bin() is None or shutil.which("redis-server") is None,
                       reason="needs PostgreSQL's and Redis's server binaries"),
]


def _env(tmp: Path, **extra: str) -> dict:
    return server_env(tmp, **extra)


@pytest.fixture(scope="module")
def private_db(tmp_path_factory):
    pg = PrivatePostgres()
    try:
        pg.start()
        tmp = tmp_path_factory.mktemp("faults")
        admin = pg.url.rsplit("/", 1)[0] + "/postgres"
        subprocess.run(["psql", admin, "-qc", "create database noskhe"], check=True)
        env = _env(tmp, DATABASE_URL=pg.url, DEBUG="1")
        for command in (["migrate", "--noinput"], ["seed_demo"]):
            done = subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env,
                                  capture_output=True, text=True)
            assert done.returncode == 0, done.stderr[-2000:]
        yield pg
    finally:
        pg.remove()  # stopped by its PID even when the set-up failed


@pytest.fixture
def server(tmp_path):
    """serve(**env) -> base URL of a gunicorn (1 sync worker, DEBUG off) on its own port."""
    started = []

    def serve(**extra: str) -> str:
        port = free_port()
        # a cache of its own in the shared Redis: no cooldown or counter of another server
        extra.setdefault("CACHE_KEY_PREFIX", f"test-{uuid.uuid4().hex[:12]}")
        env = _env(tmp_path, GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1", **extra)
        process = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c",
                                    "config/gunicorn.py", "config.wsgi"], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=open(tmp_path / "web.log",
                                                                          "a"))
        started.append(process)
        wait_port(port, up=True)
        return f"http://127.0.0.1:{port}"

    serve.outbox = tmp_path / "outbox.jsonl"
    yield serve
    for process in started:
        process.terminate()
        process.wait(timeout=20)


def _last_code(outbox: Path, mobile: str) -> str:
    lines = [json.loads(line) for line in outbox.read_text().splitlines()]
    return [m for m in lines if m["to"] == mobile][-1]["code"]


def _token(base: str, outbox: Path, who: str) -> str:
    national_code, mobile = DEMO[who]
    assert requests.post(f"{base}/api/v1/auth/otp/request", timeout=10, json={
        "national_code": national_code, "mobile": mobile}).status_code == 202
    answer = requests.post(f"{base}/api/v1/auth/otp/verify", timeout=10, json={
        "national_code": national_code, "code": _last_code(outbox, mobile)})
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


def _login_post(base: str, who: str) -> requests.Response:
    browser = requests.Session()
    form = browser.get(f"{base}/login/", timeout=10)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    national_code, mobile = DEMO[who]
    return browser.post(f"{base}/login/", timeout=10, allow_redirects=False, data={
        "csrfmiddlewaretoken": csrf, "national_code": national_code, "mobile": mobile})


def test_postgresql_down_is_503_and_the_site_recovers_alone(private_db, server):
    base = server(DATABASE_URL=private_db.url, REDIS_URL="redis://127.0.0.1:6379/8")
    token = {"Authorization": f"Token {_token(base, server.outbox, 'pharmacy')}"}
    assert requests.get(f"{base}/api/v1/me", headers=token, timeout=10).status_code == 200

    private_db.stop()
    api = requests.get(f"{base}/api/v1/me", headers=token, timeout=10)
    assert api.status_code == 503
    assert api.json()["code"] == "unavailable" and api.json()["down"] == "database"
    assert api.headers["Retry-After"]
    page = _login_post(base, "doctor")  # sign-in needs the database
    assert page.status_code == 503
    assert "سامانه موقتاً در دسترس نیست" in page.text and 'dir="rtl"' in page.text
    ready = requests.get(f"{base}/readyz", timeout=10)
    assert ready.status_code == 503 and ready.json()["down"] == ["database"]

    private_db.start()
    assert requests.get(f"{base}/api/v1/me", headers=token, timeout=10).status_code == 200
    assert requests.get(f"{base}/readyz", timeout=10).status_code == 200
    assert _login_post(base, "patient").status_code == 302  # sign-in works again


def test_redis_down_refuses_sign_in_cleanly_and_recovers(private_db, server):
    redis = PrivateRedis()
    redis.start()
    try:
        base = server(DATABASE_URL=private_db.url, REDIS_URL=f"{redis.url}/1",
                      CELERY_BROKER_URL=f"{redis.url}/2")
        assert requests.get(f"{base}/readyz", timeout=10).status_code == 200
        redis.stop()
        ready = requests.get(f"{base}/readyz", timeout=10)
        assert ready.status_code == 503 and set(ready.json()["down"]) == {"cache", "broker"}
        national_code, mobile = DEMO["doctor"]
        api = requests.post(f"{base}/api/v1/auth/otp/request", timeout=10, json={
            "national_code": national_code, "mobile": mobile})
        assert api.status_code == 503 and api.json()["code"] == "unavailable", api.text
        page = _login_post(base, "doctor")
        assert page.status_code == 503 and "سامانه موقتاً در دسترس نیست" in page.text

        redis.start()
        assert requests.get(f"{base}/readyz", timeout=10).status_code == 200
        assert requests.post(f"{base}/api/v1/auth/otp/request", timeout=10, json={
            "national_code": national_code, "mobile": mobile}).status_code == 202
    finally:
        redis.stop()


def test_the_production_server_serves_hashed_compressed_static_files(private_db, server,
                                                                      tmp_path):
    """`collectstatic` as `make serve` runs it, then gunicorn + WhiteNoise: pages link hashed
    names, served compressed and cached for a year; answers carry a request id and no-store."""
    static_root = tmp_path / "static"
    env = _env(tmp_path, DATABASE_URL=private_db.url, STATIC_MANIFEST="1",
               STATIC_ROOT=str(static_root))
    done = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    base = server(DATABASE_URL=private_db.url, STATIC_MANIFEST="1", STATIC_ROOT=str(static_root),
                  REDIS_URL="redis://127.0.0.1:6379/8")
    page = requests.get(f"{base}/login/", timeout=10, headers={"X-Request-ID": "counter-42-abc"})
    assert page.status_code == 200
    assert page.headers["X-Request-ID"] == "counter-42-abc"
    assert "no-store" in page.headers["Cache-Control"]
    css = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page.text).group(1)
    asset = requests.get(base + css, timeout=10, headers={"Accept-Encoding": "br, gzip"})
    assert asset.status_code == 200
    assert asset.headers["Content-Encoding"] in ("br", "gzip")
    assert "immutable" in asset.headers["Cache-Control"]
    assert "max-age=31536000" in asset.headers["Cache-Control"] or \
        "max-age=315360000" in asset.headers["Cache-Control"]
    metrics = requests.get(f"{base}/metrics", timeout=10)
    assert metrics.status_code == 200
    assert 'noskhe_request_seconds_count{method="GET",status="200",view="accounts:login"}' \
        in metrics.text
    assert "noskhe_claims" in metrics.text


@pytest.mark.parametrize("who", ["pharmacy", "doctor", "lab", "patient", "reception"])
def test_schemathesis_finds_no_server_error_as_each_role(private_db, server, who):
    """Every operation of /api/schema/, fuzzed (coverage, fuzzing and stateful phases) as a
    signed-in person of each role: no answer is a 5xx."""
    base = server(DATABASE_URL=private_db.url, REDIS_URL="redis://127.0.0.1:6379/8",
                  OTP_MAX_REQUESTS_PER_IP_PER_HOUR="100000", OTP_MAX_CODES_PER_DAY="100000",
                  OTP_MAX_FAILURES_PER_DAY="100000")
    token = _token(base, server.outbox, who)
    if who == "doctor":  # two practice sites: work as the clinic's doctor
        assert requests.post(f"{base}/api/v1/auth/membership", timeout=10,
                             headers={"Authorization": f"Token {token}"},
                             json={"membership": _membership(base, token, "درمانگاه شفا")}
                             ).status_code == 200
    done = subprocess.run(
        [str(Path(sys.executable).parent / "schemathesis"), "run", f"{base}/api/schema/",
         "-H", f"Authorization: Token {token}", "--checks", "not_a_server_error",
         "--max-examples", "10", "--exclude-path-regex", "auth/(logout|membership)",
         "--seed", "20261201", "--no-color"],
        cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-4000:]
    assert "generated" in done.stdout


def _membership(base: str, token: str, facility: str) -> int:
    me = requests.get(f"{base}/api/v1/me", timeout=10,
                      headers={"Authorization": f"Token {token}"}).json()
    return next(m["id"] for m in me["memberships"] if m["facility"]["name"] == facility)
