"""Shared fixtures: the demo cast, signed-in API clients, the SMS outbox."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import Membership, Role

DEMO = {
    "doctor": ("0012345679", "09120000001"),
    "cardiologist": ("0090123451", "09120000009"),
    "reception": ("0023456787", "09120000002"),
    "pharmacy": ("0034567895", "09120000003"),
    "pharmacy2": ("0033445567", "09120000012"),
    "lab": ("0045678901", "09120000004"),
    "imaging": ("0056789017", "09120000005"),
    "physio": ("0067890121", "09120000006"),
    "reviewer": ("0078901235", "09120000007"),
    "patient": ("0089012348", "09120000008"),
    "patient2": ("0022334459", "09120000011"),
    "uninsured": ("0044556675", "09120000013"),
    "covered_twice": ("0033669910", "09120000015"),
    "referred": ("0011223340", "09120000014"),
}


def pytest_report_header(config):
    vendor = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else (
        "SQLite (set DATABASE_URL=postgres://… for the concurrency tests)")
    redis = "Redis" if os.environ.get("REDIS_URL") else "local memory (REDIS_URL unset)"
    worker = os.environ.get("CELERY_BROKER_URL") or "eager (CELERY_BROKER_URL unset)"
    return [f"noskhe database: {vendor}", f"noskhe cache: {redis}", f"noskhe celery: {worker}"]


def pytest_collection_modifyitems(config, items):
    reasons = {}
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        reasons["postgres"] = "needs PostgreSQL: set DATABASE_URL=postgres://…"
    if not Path("/usr/bin/chromium").exists():
        reasons["browser"] = "needs Debian's chromium at /usr/bin/chromium"
    if not os.environ.get("CELERY_BROKER_URL"):
        reasons["worker"] = "needs a Celery worker: set CELERY_BROKER_URL and start one"
    try:
        import weasyprint  # noqa: F401 - loads pango, which a bare machine may lack
    except OSError as error:
        reasons["pdf"] = f"needs WeasyPrint's system libraries (pango): {error}"
    for item in items:
        for marker, reason in reasons.items():
            if marker in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _isolated(request, settings, tmp_path, monkeypatch):
    """Each test: its own outbox file and document folders, a clean cache, SMS to the
    outbox only, and Celery tasks run eagerly unless the test asks for the real worker."""
    from claims import documents as invoice_documents
    from config.celery import app
    from paper import documents as paper_documents

    monkeypatch.setattr(paper_documents, "CACHE", tmp_path / "paper")
    monkeypatch.setattr(invoice_documents, "CACHE", tmp_path / "invoices")

    settings.SMS_BACKEND = "outbox"
    settings.SMS_OUTBOX = str(tmp_path / "sms-outbox.jsonl")
    eager = "worker" not in request.keywords
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager or previous
    cache.clear()
    yield
    app.conf.task_always_eager = previous
    cache.clear()


@pytest.fixture
def worker_factory(transactional_db, settings, tmp_path):
    """start(**env) -> a real `celery worker` process on the broker, reading the test
    database, on a queue of its own; every one started is stopped at the end."""
    import subprocess
    import sys
    import uuid

    from config.celery import app, queues

    queue = f"noskhe-test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    processes = []

    def start(**extra: str) -> subprocess.Popen:
        env = dict(os.environ,
                   DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
                   SMS_BACKEND="outbox", SMS_OUTBOX=settings.SMS_OUTBOX, CELERY_QUEUE=queue,
                   **extra)
        log = open(tmp_path / f"worker-{len(processes)}.log", "w")
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
             "--without-gossip", "--without-mingle", "-Q", ",".join(queues(queue)),
             "-l", "info"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        processes.append((process, log))
        return process

    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    app.conf.task_always_eager = False
    try:
        yield start
    finally:
        app.conf.task_default_queue = previous
        for process, log in processes:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=20)
            log.close()


@pytest.fixture
def celery_worker_process(worker_factory):
    """One real worker with the default environment."""
    return worker_factory()


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.2):
    """Poll until predicate() is truthy; return its value or fail after timeout."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out waiting")


class Outbox:
    def __init__(self, path: str) -> None:
        self.path = Path(path)

    def messages(self) -> list[dict]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text("utf-8").splitlines()]

    def last_code(self, mobile: str, purpose: str = "login") -> str:
        for message in reversed(self.messages()):
            if message["to"] == mobile and message["purpose"] == purpose:
                return message["code"]
        raise AssertionError(f"no {purpose} code sent to {mobile}")


@pytest.fixture
def outbox(settings) -> Outbox:
    return Outbox(settings.SMS_OUTBOX)


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    return DEMO


def membership_of(national_code: str, facility_name: str | None = None,
                  role: str | None = None) -> Membership:
    queryset = Membership.objects.filter(user__national_code=national_code)
    if facility_name:
        queryset = queryset.filter(facility__name=facility_name)
    if role:
        queryset = queryset.filter(role=role)
    return queryset.get()


def sign_in(client: APIClient, outbox: Outbox, who: tuple[str, str],
            membership: Membership | int | None = None) -> dict:
    national_code, mobile = who
    cache.clear()
    response = client.post("/api/v1/auth/otp/request",
                           {"national_code": national_code, "mobile": mobile}, format="json")
    assert response.status_code == 202, response.content
    body = {"national_code": national_code, "code": outbox.last_code(mobile)}
    if membership is not None:
        body["membership"] = getattr(membership, "pk", membership)
    response = client.post("/api/v1/auth/otp/verify", body, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    client.credentials(HTTP_AUTHORIZATION=f"Token {data['token']}")
    return data


@pytest.fixture
def api_as(demo, outbox):
    """api_as("doctor", facility="درمانگاه شفا") -> an APIClient signed in through the OTP flow."""

    def make(who: str, facility: str | None = None) -> APIClient:
        client = APIClient()
        membership = membership_of(DEMO[who][0], facility) if facility else None
        sign_in(client, outbox, DEMO[who], membership)
        return client

    return make


@pytest.fixture
def page_as(demo):
    """A fresh Django test client signed in by session with one membership chosen."""

    def make(who: str, facility: str | None = None, role: str | None = None):
        from django.test import Client

        from accounts.models import User

        client = Client()
        user = User.objects.get(national_code=DEMO[who][0])
        client.force_login(user)
        membership = (membership_of(DEMO[who][0], facility, role) if (facility or role)
                      else Membership.objects.filter(user=user).first())
        session = client.session
        session["membership_id"] = membership.pk
        session.save()
        return client

    return make


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


ROLES = [r.value for r in Role]


@pytest.fixture
def written(api_as, demo):
    """write(items, kind, who) -> the prescription JSON, written by Dr Ahmadi at Shafa."""
    reception = api_as("reception")
    doctor = api_as("doctor", "درمانگاه شفا")
    shafa = membership_of(DEMO["doctor"][0], "درمانگاه شفا")

    def write(items, kind="drug", who="patient", **extra):
        visit = reception.post("/api/v1/visits", {"national_code": DEMO[who][0],
                                                  "doctor": shafa.pk}, format="json").json()
        # Dispensing tests write the same drug for one patient again and again: the
        # cross-prescription duplicate warning is acknowledged here, as a doctor would.
        extra.setdefault("override_warnings", True)
        response = doctor.post("/api/v1/prescriptions", {"visit": visit["id"], "kind": kind,
                                                         "items": items, **extra},
                               format="json")
        assert response.status_code == 201, response.content
        return response.json()

    return write
