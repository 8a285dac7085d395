"""Reads on a real streaming replica: a private primary and a standby made from it with
`pg_basebackup -R`, each on a port of its own and stopped by PID, under the production
server (gunicorn, DEBUG off, DATABASE_REPLICA_URLS set). `X-DB-Read` names where a request's
reads went; pausing replay on the standby makes its data visibly older than the primary's,
so the answers themselves show which server they were read from."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import connections

from accounts.models import ApiToken
from config.db_router import ReplicaRouter, replica_reads
from prescriptions.models import Prescription
from tests.conftest import DEMO
from tests.ops.private_services import (
    PrivatePostgres,
    free_port,
    postgres_bin,
    server_env,
    wait_port,
)

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/9"


def needs_standby(test):
    """A test against the real primary and standby (the rules' tests below need neither)."""
    test = pytest.mark.postgres(test)
    return pytest.mark.skipif(postgres_bin() is None, reason=(
        "needs PostgreSQL's server binaries (initdb, pg_basebackup)"))(test)


PEOPLE = ["cardiologist", "lab", "pharmacy", "pharmacy2"]
ISSUE_TOKENS = """
import json, os
from accounts import services
from accounts.models import User
keys = {}
for who, code in json.loads(os.environ["NOSKHE_TEST_PEOPLE"]):
    user = User.objects.get(national_code=code)
    keys[who] = services.api_token_issue(user=user, membership_id=None)[1]
print(json.dumps(keys))
"""


def _env(tmp: Path, **extra: str) -> dict:
    return server_env(tmp, LOG_LEVEL="warning", REDIS_URL=REDIS_URL, **extra)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """(primary, standby, tokens): the demo (with activity) on a private primary, a hot
    standby streaming from it, and API tokens by person."""
    tmp = tmp_path_factory.mktemp("replicas")
    primary = PrivatePostgres()
    standby = None
    try:
        primary.start()
        primary.sql("create database noskhe", database="postgres")
        # one token per person, and a second one (another device) for the cardiologist
        people = [[who, DEMO[who][0]] for who in PEOPLE]
        people.append(["cardiologist2", DEMO["cardiologist"][0]])
        env = _env(tmp, DATABASE_URL=primary.url, DEBUG="1", DATABASE_REPLICA_URLS="",
                   NOSKHE_TEST_PEOPLE=json.dumps(people))
        for command in (["migrate", "--noinput"], ["seed_demo", "--activity"],
                        ["shell", "-c", ISSUE_TOKENS]):
            done = subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env,
                                  capture_output=True, text=True)
            assert done.returncode == 0, done.stderr[-2000:]
        tokens = json.loads(done.stdout.strip().splitlines()[-1])
        standby = PrivatePostgres(standby_of=primary)
        standby.start()
        assert standby.sql("select pg_is_in_recovery()") == "t"
        yield primary, standby, tokens
    finally:
        if standby is not None:
            standby.remove()
        primary.remove()


@pytest.fixture
def serve(cluster, tmp_path):
    """serve(**env) -> base URL of a gunicorn (1 sync worker: one process's replica state)
    reading from the standby; its log is `serve.log`, its cache prefix `serve.prefix`."""
    primary, standby, _ = cluster
    started = []

    def start(**extra: str) -> str:
        port = free_port()
        env = _env(tmp_path, GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1",
                   DATABASE_URL=primary.url, DATABASE_REPLICA_URLS=standby.url,
                   CACHE_KEY_PREFIX=f"replicas-{uuid.uuid4().hex[:12]}", **extra)
        process = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c",
                                    "config/gunicorn.py", "config.wsgi"], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=open(start.log, "a"))
        start.prefix = env["CACHE_KEY_PREFIX"]
        started.append((process, start.prefix))
        wait_port(port, up=True)
        return f"http://127.0.0.1:{port}"

    start.log = tmp_path / "web.log"
    yield start
    for process, prefix in started:
        process.terminate()
        process.wait(timeout=20)
        cache = redis.Redis.from_url(REDIS_URL)
        keys = list(cache.scan_iter(f"{prefix}:*"))
        if keys:
            cache.delete(*keys)


def _api(base: str, token: str, method: str, path: str, session=None, **kwargs):
    return (session or requests).request(method, f"{base}/api/v1/{path}", timeout=10,
                                         headers={"Authorization": f"Token {token}"}, **kwargs)


def _until(check, seconds: float = 10):
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


@contextmanager
def _replay_paused(standby: PrivatePostgres):
    standby.sql("select pg_wal_replay_pause()")
    try:
        yield
    finally:
        standby.sql("select pg_wal_replay_resume()")


def _facility_names(answer: requests.Response) -> list[str]:
    return [m["facility"]["name"] for m in answer.json()["memberships"]]


@needs_standby
def test_get_requests_read_from_the_standby_and_writes_go_to_the_primary(cluster, serve):
    primary, standby, tokens = cluster
    base = serve(REPLICA_MAX_LAG_SECONDS="600")
    me = _api(base, tokens["pharmacy"], "GET", "me")
    assert me.status_code == 200 and me.headers["X-DB-Read"] == "replica0"
    name = _facility_names(me)[0]

    with _replay_paused(standby):
        primary.sql(f"update accounts_facility set name = '{name} ۲' where name = '{name}'")
        me = _api(base, tokens["pharmacy"], "GET", "me")
        assert me.status_code == 200 and me.headers["X-DB-Read"] == "replica0"
        assert _facility_names(me) == [name]  # the standby's copy, replay paused
        # authentication reads the primary (a sign-in or a logout counts at once)
        assert me.json()["membership"]["facility"]["name"] == f"{name} ۲"

        # a lookup that records who read what: the list from the standby, the access log
        # written on the primary (the standby is read-only: a write there would fail)
        logged = int(primary.sql("select count(*) from accounts_accesslog"))
        primary.sql("update prescriptions_prescription set note = 'on the primary only' "
                    "where kind = 'lab'")
        lookup = _api(base, tokens["lab"], "GET", "prescriptions",
                      params={"national_code": DEMO["patient"][0]})
        assert lookup.status_code == 200 and lookup.headers["X-DB-Read"] == "replica0"
        assert [p["kind"] for p in lookup.json()] == ["lab"]
        assert lookup.json()[0]["note"] != "on the primary only"  # the standby's row
        assert int(primary.sql("select count(*) from accounts_accesslog")) > logged

        switch = _api(base, tokens["pharmacy"], "POST", "auth/membership",
                      json={"membership": me.json()["membership"]["id"]})
        assert switch.status_code == 200 and switch.headers["X-DB-Read"] == "default"
        assert switch.json()["membership"]["facility"]["name"] == f"{name} ۲"

    def caught_up():
        answer = _api(base, tokens["pharmacy"], "GET", "me")
        return answer.headers["X-DB-Read"] == "replica0" and _facility_names(answer) == [
            f"{name} ۲"]

    assert _until(caught_up), "the standby serves the new name once replay resumes"


def _public_key_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@needs_standby
def test_a_person_reads_their_own_writes_from_the_primary_for_a_few_seconds(cluster, serve):
    _, standby, tokens = cluster
    base = serve(REPLICA_STICKY_SECONDS="2", REPLICA_MAX_LAG_SECONDS="600")
    doctor, other_device = tokens["cardiologist"], tokens["cardiologist2"]

    def fingerprints(token):
        answer = _api(base, token, "GET", "me/keys")
        assert answer.status_code == 200
        return answer.headers["X-DB-Read"], [k["fingerprint"] for k in answer.json()]

    assert fingerprints(doctor)[0] == "replica0"
    with _replay_paused(standby):
        created = _api(base, doctor, "POST", "me/keys",
                       json={"public_key": _public_key_pem(), "label": "replica test"})
        wrote_at = time.monotonic()
        assert created.status_code == 201 and created.headers["X-DB-Read"] == "default"
        assert created.cookies["noskhe_wrote"]  # for clients that keep cookies
        fingerprint = created.json()["fingerprint"]

        # the writer (on either of their devices) reads the primary: their key is there,
        # though the standby has not replayed it
        assert fingerprints(doctor) == ("default", [fingerprint])
        assert fingerprints(other_device) == ("default", [fingerprint])
        # another person still reads the standby
        other = _api(base, tokens["pharmacy2"], "GET", "me")
        assert other.status_code == 200 and other.headers["X-DB-Read"] == "replica0"

        # once REPLICA_STICKY_SECONDS are over, the writer reads the standby again, which
        # (replay paused) has not got the key yet: the few seconds were what kept it right
        time.sleep(max(0.0, wrote_at + 2.2 - time.monotonic()))
        assert fingerprints(doctor) == ("replica0", [])

    assert _until(lambda: fingerprints(doctor) == ("replica0", [fingerprint]))


@needs_standby
def test_the_sticky_cookie_works_without_the_cache(cluster, serve):
    _, _, tokens = cluster
    base = serve(REPLICA_STICKY_SECONDS="3")
    browser = requests.Session()
    me = _api(base, tokens["pharmacy2"], "GET", "me", session=browser)
    switched = _api(base, tokens["pharmacy2"], "POST", "auth/membership", session=browser,
                    json={"membership": me.json()["membership"]["id"]})
    assert switched.status_code == 200
    cache = redis.Redis.from_url(REDIS_URL)
    markers = list(cache.scan_iter(f"{serve.prefix}:*replica:wrote:*"))
    assert markers
    cache.delete(*markers)  # as if the cache had lost it
    assert _api(base, tokens["pharmacy2"], "GET", "me", session=browser
                ).headers["X-DB-Read"] == "default"  # the cookie
    assert _api(base, tokens["pharmacy2"], "GET", "me").headers["X-DB-Read"] == "replica0"


@needs_standby
def test_a_lagging_standby_is_skipped_until_it_catches_up(cluster, serve):
    primary, standby, tokens = cluster
    base = serve(REPLICA_MAX_LAG_SECONDS="1", REPLICA_CHECK_SECONDS="0")

    def read_from():
        answer = _api(base, tokens["pharmacy"], "GET", "me")
        assert answer.status_code == 200
        return answer.headers["X-DB-Read"]

    assert read_from() == "replica0"
    with _replay_paused(standby):
        primary.sql("update accounts_facility set name = name || '.' where kind = 'lab'")
        time.sleep(1.5)
        assert standby.sql("select pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()") == "t"
        assert read_from() == "default"
        ready = requests.get(f"{base}/readyz", timeout=10)
        assert ready.status_code == 200
        assert ready.json()["replicas"]["replica0"].startswith("lagging")
    assert _until(lambda: read_from() == "replica0", seconds=5)


@needs_standby
def test_a_standby_that_is_down_fails_over_to_the_primary_and_comes_back(cluster, serve):
    _, standby, tokens = cluster
    # checked once a minute: the stop below is found by a request, not by a check
    base = serve(REPLICA_CHECK_SECONDS="60", REPLICA_RETRY_SECONDS="2")
    lookup = {"national_code": DEMO["patient"][0]}
    assert _api(base, tokens["pharmacy"], "GET", "me").headers["X-DB-Read"] == "replica0"

    standby.stop()
    try:
        me = _api(base, tokens["pharmacy"], "GET", "me")
        assert me.status_code == 200 and me.headers["X-DB-Read"] == "default"
        assert "reads on replica0 failed" in serve.log.read_text()  # served again
        answer = _api(base, tokens["lab"], "GET", "prescriptions", params=lookup)
        assert answer.status_code == 200 and answer.headers["X-DB-Read"] == "default"
        assert [p["kind"] for p in answer.json()] == ["lab"]
        ready = requests.get(f"{base}/readyz", timeout=10)
        assert ready.status_code == 200, ready.text  # the primary serves
        assert ready.json()["replicas"]["replica0"].startswith("down")
        assert {"database", "cache", "broker"} <= set(ready.json())
    finally:
        standby.start()
    back = _until(lambda: _api(base, tokens["pharmacy"], "GET", "me"
                               ).headers["X-DB-Read"] == "replica0", seconds=10)
    assert back, "the standby is read again after REPLICA_RETRY_SECONDS"
    assert standby.sql("select count(*) from pg_stat_wal_receiver") == "1"  # streaming again


def test_reads_go_to_a_replica_only_inside_replica_reads_and_until_the_first_write():
    router = ReplicaRouter()
    assert not connections["default"].in_atomic_block
    assert router.db_for_read(Prescription) is None  # the primary
    with replica_reads("replica0") as reads:
        assert router.db_for_read(Prescription) == "replica0" and reads.used
        assert router.db_for_read(ApiToken) is None  # authentication reads the primary
        with replica_reads(None):
            assert router.db_for_read(Prescription) is None
        assert router.db_for_write(Prescription) == "default"
        assert router.db_for_read(Prescription) is None  # it may read what it just wrote
    assert router.db_for_read(Prescription) is None
    assert router.allow_migrate("default", "prescriptions")
    assert not router.allow_migrate("replica0", "prescriptions")


def test_reads_inside_transaction_atomic_stay_on_the_primary(db):
    assert connections["default"].in_atomic_block  # each test runs in a transaction
    with replica_reads("replica0") as reads:
        assert ReplicaRouter().db_for_read(Prescription) is None and not reads.used


def _settings_with(**env: str) -> subprocess.CompletedProcess:
    code = ("import json; from django.conf import settings; "
            "print(json.dumps({'databases': settings.DATABASES, "
            "'routers': settings.DATABASE_ROUTERS}, default=str))")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "DJANGO_SETTINGS_MODULE":
                                          "config.settings", **env})


def test_replica_urls_become_aliases_with_the_primarys_connection_settings():
    done = _settings_with(DATABASE_URL="postgres://app@primary:5432/noskhe",
                          DATABASE_REPLICA_URLS=" postgres://app@r1:5432/noskhe , "
                                                "postgres://app@r2:6432/noskhe?sslmode=require",
                          DB_CONNECT_TIMEOUT_SECONDS="2", DB_PGBOUNCER="1")
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout)
    databases = answer["databases"]
    assert sorted(databases) == ["default", "replica0", "replica1"]
    assert answer["routers"] == ["config.db_router.ReplicaRouter"]
    first, second = databases["replica0"], databases["replica1"]
    assert (first["HOST"], second["HOST"], second["PORT"]) == ("r1", "r2", 6432)
    for replica in (first, second):
        for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "DISABLE_SERVER_SIDE_CURSORS"):
            assert replica[key] == databases["default"][key], key
        assert replica["OPTIONS"]["connect_timeout"] == 2
        assert replica["TEST"] == {"MIRROR": "default"}  # tests never create it
    assert second["OPTIONS"]["sslmode"] == "require"


def test_without_replicas_there_is_no_router_and_a_bad_replica_url_fails_at_start():
    done = _settings_with(DATABASE_URL="postgres://app@primary:5432/noskhe",
                          DATABASE_REPLICA_URLS="")
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["routers"] == []
    done = _settings_with(DATABASE_URL="postgres://app@primary:5432/noskhe",
                          DATABASE_REPLICA_URLS="sqlite:///replica.sqlite3")
    assert done.returncode != 0 and "DATABASE_REPLICA_URLS must be postgres" in done.stderr


def test_without_replicas_answers_carry_no_routing_header(client):
    assert "X-DB-Read" not in client.get("/healthz")
