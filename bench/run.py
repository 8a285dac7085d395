"""Server-side latency and query counts of the counter's hot paths.

Creates a throwaway test database (on whatever DATABASE_URL points at; SQLite if unset),
loads the demo data plus a 50,000-row drug catalog, then times each path in-process with
Django's test client (server time: middleware, views, ORM, templates; no network).

    make bench                      # or: .venv/bin/python bench/run.py --runs 100
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/noskhe make bench
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SMS_BACKEND", "outbox")
os.environ.setdefault("SMS_OUTBOX", str(ROOT / "var" / "bench-outbox.jsonl"))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

CATALOG_ROWS = 50_000
TARGET_MS = 200


def measure(name: str, call, runs: int) -> dict:
    from django.conf import settings

    settings.DEBUG = True  # count queries
    timings, queries = [], []
    for _ in range(runs):
        reset_queries()
        started = time.perf_counter()
        response = call()
        timings.append((time.perf_counter() - started) * 1000)
        queries.append(len(connection.queries))
        if response.status_code >= 400:
            raise SystemExit(f"{name}: HTTP {response.status_code} {response.content[:200]!r}")
    settings.DEBUG = False
    timings.sort()
    return {
        "path": name, "runs": runs,
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1),
        "max_ms": round(timings[-1], 1),
        "queries": max(queries),
    }


def catalog_csv(rows: int):
    yield "code,name_fa,name_en,unit_price\n"
    for i in range(rows):
        yield f"BENCH-{i:06d},داروی نمونه {i} قرص,Sample drug {i} tablet,{1000 + i % 9000}\n"


def sign_in(national_code: str, mobile: str, facility: str | None = None) -> APIClient:
    from django.core.cache import cache

    from accounts.models import Membership

    cache.clear()
    client = APIClient()
    client.post("/api/v1/auth/otp/request", {"national_code": national_code, "mobile": mobile},
                format="json")
    outbox = Path(os.environ["SMS_OUTBOX"]).read_text("utf-8").splitlines()
    code = json.loads(outbox[-1])["code"]
    body = {"national_code": national_code, "code": code}
    if facility:
        body["membership"] = Membership.objects.get(user__national_code=national_code,
                                                    facility__name=facility).pk
    token = client.post("/api/v1/auth/otp/verify", body, format="json").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        results = run(args.runs)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(f"\nNoskhe benchmark on {connection.vendor}, {args.runs} runs per path "
          f"(catalog {CATALOG_ROWS:,} drugs; target: every page under {TARGET_MS} ms)\n")
    print(f"{'path':58} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}")
    for row in results:
        flag = "" if row["p95_ms"] <= TARGET_MS or row["runs"] == 1 else "  << over target"
        print(f"{row['path']:58} {row['p50_ms']:8} {row['p95_ms']:8} {row['max_ms']:8} "
              f"{row['queries']:8}{flag}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2))


def run(runs: int) -> list[dict]:
    from accounts.models import Membership
    from prescriptions.catalog import catalog_import
    from prescriptions.models import Visit

    Path(os.environ["SMS_OUTBOX"]).parent.mkdir(parents=True, exist_ok=True)
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    started = time.perf_counter()
    report = catalog_import(catalog_csv(CATALOG_ROWS), kind="drug")
    import_s = time.perf_counter() - started
    assert not report.errors, report.errors[:3]
    results = [{"path": f"import_catalog {CATALOG_ROWS:,} rows (one run)", "runs": 1,
                "p50_ms": round(import_s * 1000), "p95_ms": round(import_s * 1000),
                "max_ms": round(import_s * 1000), "queries": 0}]

    reception = sign_in("0023456787", "09120000002")
    doctor = sign_in("0012345679", "09120000001", "درمانگاه شفا")
    pharmacy = sign_in("0034567895", "09120000003")
    shafa = Membership.objects.get(user__national_code="0012345679", facility__name="درمانگاه شفا")
    visit = reception.post("/api/v1/visits", {"national_code": "0089012348", "doctor": shafa.pk},
                           format="json").json()
    items = [{"code": "AMOX-500-CAP", "quantity": 20}, {"code": "PARA-500-TAB", "quantity": 10},
             {"code": "ASA-80-TAB", "quantity": 30}]

    def create():
        # The same drugs again for one patient: the cross-prescription warnings are
        # acknowledged, and each run checks against a growing medication profile.
        return doctor.post("/api/v1/prescriptions",
                           {"visit": visit["id"], "kind": "drug", "items": items,
                            "override_warnings": True}, format="json")

    results.append(measure("POST prescriptions (3 drugs, rules over profile + split)", create,
                           runs))

    page = Client()
    page.force_login(shafa.user)
    session = page.session
    session["membership_id"] = shafa.pk
    session.save()
    results.append(measure("GET /doctor/catalog/?q=… (search over 50k drugs)",
                           lambda: page.get("/doctor/catalog/", {"kind": "drug",
                                                                 "q": "نمونه 4999"}), runs))
    results.append(measure("GET /doctor/catalog/?q=آموکسی",
                           lambda: page.get("/doctor/catalog/", {"kind": "drug",
                                                                 "q": "آموکسی"}), runs))
    results.append(measure("GET /doctor/visits/<id>/ (visit page, many prescriptions)",
                           lambda: page.get(f"/doctor/visits/{visit['id']}/"), runs))
    results.append(measure("GET /doctor/ (queue page)", lambda: page.get("/doctor/"), runs))
    results.append(measure("GET api queue", lambda: doctor.get("/api/v1/queue"), runs))

    lookup = {"national_code": "0089012348"}
    results.append(measure(f"GET api prescriptions?national_code (pharmacy, {runs} open)",
                           lambda: pharmacy.get("/api/v1/prescriptions", lookup), runs))
    counter = Client()
    counter.force_login(Membership.objects.get(user__national_code="0034567895").user)
    session = counter.session
    session["membership_id"] = Membership.objects.get(user__national_code="0034567895").pk
    session.save()
    results.append(measure("GET /fulfil/?q=<national code> (lookup page, today's shares)",
                           lambda: counter.get("/fulfil/", {"q": "0089012348"}), runs))

    codes = iter(doctor.get("/api/v1/prescriptions").json())
    packs = iter(range(6260000000000000, 6270000000000000))

    def dispense():
        rx = next(codes)
        return pharmacy.post(f"/api/v1/prescriptions/{rx['tracking_code']}/dispense",
                             {"lines": [{"item": rx["items"][0]["id"], "quantity": 10,
                                         "uid": str(next(packs))}]}, format="json")

    results.append(measure("POST dispense (one pack, rules over profile)", dispense, runs))
    assert Visit.objects.count() == 1
    return results


if __name__ == "__main__":
    main()
