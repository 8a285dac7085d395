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

sys.path.insert(0, str(ROOT / "bench"))

django.setup()

import floors  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

CATALOG_ROWS = 50_000
TARGET_MS = 200
ITEMS = [{"code": "AMOX-500-CAP", "quantity": 20}, {"code": "PARA-500-TAB", "quantity": 10},
         {"code": "ASA-80-TAB", "quantity": 30}]


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


def print_ratios(results: list[dict]) -> None:
    rows = [r for r in results if "ratio" in r]
    if not rows:
        return
    print(f"\nService layer against its SQL floor, same rows, same run (medians of "
          f"{rows[0]['runs']} runs)\n")
    print(f"{'path':58} {'service':>9} {'floor':>8} {'ratio':>7} {'target':>7}")
    for row in rows:
        target = row.get("target")
        flag = "" if not target or row["ratio"] <= target else "  << over target"
        print(f"{row['path']:58} {row['service_ms']:7} ms {row['floor_ms']:5} ms "
              f"{row['ratio']:6}× {('≤ ' + str(target) + '×') if target else '':>7}{flag}")
    print("floors: " + "; ".join(sorted({f"{r['path'].split(':')[0].strip()}: {r['floor']}"
                                         for r in rows if ":" in r["path"]})))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--ratios-only", action="store_true",
                        help="only the hot paths against their SQL floors (a minute)")
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        results = ratios_only(args.runs) if args.ratios_only else run(args.runs)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(f"\nNoskhe benchmark on {connection.vendor}, {args.runs} runs per path "
          f"(catalog {CATALOG_ROWS:,} drugs; target: every page under {TARGET_MS} ms)\n")
    print(f"{'path':58} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}")
    for row in (r for r in results if "ratio" not in r):
        flag = "" if row["p95_ms"] <= TARGET_MS or row["runs"] == 1 else "  << over target"
        print(f"{row['path']:58} {row['p50_ms']:8} {row['p95_ms']:8} {row['max_ms']:8} "
              f"{row['queries']:8}{flag}")
    print_ratios(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2))


def ratios_only(runs: int) -> list[dict]:
    from accounts.models import Membership

    call_command("seed_demo", stdout=open(os.devnull, "w"))
    results: list[dict] = []
    floors.append_to(results, runs=runs, doctor=Membership.objects.get(
        user__national_code="0012345679", facility__name="درمانگاه شفا"),
        pharmacy_number="0034567895", reception_number="0023456787",
        patient_code="0022334459", items=ITEMS)
    return results


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
    items = ITEMS

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
    floors.append_to(results, runs=runs, doctor=shafa, pharmacy_number="0034567895",
                     reception_number="0023456787", patient_code="0022334459", items=items)
    results += paper_bench(runs, page, pharmacy, doctor)
    results += claims_bench(runs, counter)
    return results


def paper_bench(runs: int, page, pharmacy, doctor) -> list[dict]:
    """The paper copy: each run prints a prescription not printed before (PDF, barcode, QR,
    signed payload), then the same again (kept copy), and a pharmacy verifies a QR."""
    all_codes = [rx["tracking_code"] for rx in doctor.get("/api/v1/prescriptions").json()]
    # WeasyPrint loads its fonts once per process (~250 ms): one copy before timing.
    page.get(f"/api/v1/prescriptions/{all_codes.pop()}/paper.pdf")
    codes = iter(all_codes)
    results = [measure("GET paper.pdf (a copy not printed before: PDF + QR + signature)",
                       lambda: page.get(f"/api/v1/prescriptions/{next(codes)}/paper.pdf"),
                       len(all_codes))]
    first = all_codes[0]
    results.append(measure("GET paper.pdf (the same version again, kept copy)",
                           lambda: page.get(f"/api/v1/prescriptions/{first}/paper.pdf"), runs))
    from paper import payload
    from prescriptions.models import Prescription

    token = payload.issue(Prescription.objects.get(tracking_code=first))
    results.append(measure("POST paper/verify (pharmacy)", lambda: pharmacy.post(
        "/api/v1/paper/verify", {"payload": token}, format="json"), runs))
    return results


def _claims(count: int, *, lines_each: int, day, status: str) -> None:
    """`count` claims (and `lines_each` lines each) for the demo pharmacy, in bulk."""
    from accounts.models import Facility, Patient
    from claims.models import Claim, ClaimLine, Scheme

    razi = Facility.objects.get(name="داروخانه رازی")
    schemes = list(Scheme.objects.filter(kind="basic"))
    patient = Patient.objects.get(national_code="0089012348")
    start = Claim.objects.count()
    for offset in range(0, count, 5000):
        batch = Claim.objects.bulk_create(
            Claim(facility=razi, scheme=schemes[n % len(schemes)], patient=patient,
                  source=f"bench:{start + n}", tracking_code=f"B{start + n:09d}",
                  hid=f"{3 * 10**13 + start + n}", service_date=day, status=status,
                  total=5000 * lines_each, insurer_share=3500 * lines_each,
                  patient_share=1500 * lines_each, amount=3500 * lines_each)
            for n in range(offset, min(offset + 5000, count)))
        ClaimLine.objects.bulk_create(
            ClaimLine(claim=claim, code="PARA-500-TAB", quantity=1, unit_price=5000,
                      total=5000, insurer_share=3500, patient_share=1500, amount=3500)
            for claim in batch for _ in range(lines_each))


def _timed(call, repeats: int = 5) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def claims_bench(runs: int, counter) -> list[dict]:
    """Invoices against the SQL floor, the claims screen over a month of 10,000 claims, and
    sending 10,000 claims to a fake insurer on loopback."""
    import datetime as dt

    from django.conf import settings
    from django.utils import timezone

    from accounts.jalali import jalali_date
    from accounts.models import Membership
    from claims import invoicing, services
    from claims.models import Claim
    from claims.selectors import Period
    from tests.claims.fake_insurer import FakeInsurer

    results = []
    last_month = invoicing.month_of(invoicing.month_of(timezone.localdate()).start
                                    - dt.timedelta(days=1))
    _claims(50_000, lines_each=2, day=last_month.start + dt.timedelta(days=3),
            status="accepted")  # 100,000 claim lines
    # The floor is the plain SQL of the same aggregate over the same rows: the accepted,
    # uninvoiced claims of the month, summing each claim's stored amount (written with its
    # lines in one transaction by claims_record as their sum); the lines' own sum is printed
    # beside it for scale.
    with connection.cursor() as cursor:
        def floor(sql):
            def run():
                cursor.execute(sql, [last_month.start, last_month.end])
                cursor.fetchall()
            return run
        cursor.execute("ANALYZE claims_claim")
        cursor.execute("ANALYZE claims_claimline")
        floor_ms = _timed(floor(
            "SELECT facility_id, scheme_id, COUNT(*), SUM(amount) FROM claims_claim "
            "WHERE status = 'accepted' AND invoice_id IS NULL "
            "AND service_date BETWEEN %s AND %s GROUP BY 1, 2"))
        lines_ms = _timed(floor(
            "SELECT c.facility_id, c.scheme_id, COUNT(*), SUM(l.amount) "
            "FROM claims_claimline l JOIN claims_claim c ON c.id = l.claim_id "
            "WHERE c.status = 'accepted' AND c.invoice_id IS NULL "
            "AND c.service_date BETWEEN %s AND %s GROUP BY 1, 2"))
    generate_ms = _timed(lambda: invoicing.invoices_generate(period=last_month.label))
    results.append({"path": "generate_invoices, 50,000 claims / 100,000 lines "
                            f"(SQL floor {floor_ms:.0f} ms, ratio {generate_ms / floor_ms:.2f}×;"
                            f" summing the lines {lines_ms:.0f} ms)", "runs": 5,
                    "p50_ms": round(generate_ms, 1), "p95_ms": round(generate_ms, 1),
                    "max_ms": round(generate_ms, 1), "queries": 0})

    today = timezone.localdate()
    month = invoicing.month_of(today)
    _claims(10_000, lines_each=1, day=month.start, status="unsent")
    shown = {"date_from": jalali_date(month.start), "date_to": jalali_date(today)}
    results.append(measure("GET /claims/ (a month of 10,000 claims, paged)",
                           lambda: counter.get("/claims/", shown), runs))

    Claim.objects.filter(service_date=month.start, status="unsent").update(status="queued")
    membership = Membership.objects.get(user__national_code="0034567895")
    with FakeInsurer() as insurer:
        settings.INSURER_API_URLS = {"IHIO": insurer.url, "SSO": insurer.url}
        settings.CLAIMS_BATCH_SIZE = 200
        codes = tuple(Claim.objects.filter(service_date=month.start).order_by()
                      .values_list("scheme__code", flat=True).distinct())
        started = time.perf_counter()
        job = services.claims_send(membership=membership,
                                   period=Period(month.start, month.start, codes)).job
        while services.job_step(job.pk) == services.Step.MORE:
            pass
        seconds = time.perf_counter() - started
    sent = Claim.objects.filter(job=job, status="accepted").count()
    results.append({"path": f"send {sent:,} claims to a fake HTTP insurer "
                            f"({sent / seconds:.0f} claims/s)", "runs": 1,
                    "p50_ms": round(seconds * 1000), "p95_ms": round(seconds * 1000),
                    "max_ms": round(seconds * 1000), "queries": 0})
    return results


if __name__ == "__main__":
    main()
