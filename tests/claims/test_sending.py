"""Sending claims through the API: add the unsent ones, send (to the built-in insurer, which
checks each claim), progress, resend the failed ones, and the refusals."""

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from claims.models import Claim, Connection, Job
from tests.conftest import DEMO
from tests.pharmacy.conftest import uid


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """POST a send: the job is handed to Celery once the request commits (eager here)."""

    def post(client, path, body):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, body, format="json")

    return post


@pytest.fixture
def dispensed(written, api_as):
    """Two dispenses at Razi for Ali (IHIO-GOV), one for Maryam (SSO-GEN + DANA)."""
    pharmacy = api_as("pharmacy")
    for n, who in enumerate(["patient", "patient", "patient2"]):
        rx = written([{"code": "PARA-500-TAB", "quantity": 10}], who=who)
        response = pharmacy.post(f"/api/v1/prescriptions/{rx['tracking_code']}/dispense",
                                 {"lines": [{"item": rx["items"][0]["id"], "quantity": 10,
                                             "uid": uid(100 + n)}]}, format="json")
        assert response.status_code == 201
    return pharmacy


def period(**extra):
    today = timezone.localdate().isoformat()
    return {"from": today, "to": today, "schemes": ["IHIO-GOV"], **extra}


def test_the_claims_list_has_totals_and_the_contract_shape(dispensed):
    pharmacy = dispensed
    today = timezone.localdate().isoformat()
    body = pharmacy.get("/api/v1/claims", {"from": today, "to": today}).json()
    assert body["count"] == 4  # Ali twice; Maryam's basic and supplementary claims
    assert body["totals"]["amount"] == 35000 * 3 + 10500
    claim = next(c for c in body["results"] if c["scheme"]["code"] == "IHIO-GOV")
    assert set(claim) >= {"id", "facility", "insurer", "scheme", "tracking_code",
                          "national_code", "patient", "hid", "service_date", "registered_at",
                          "status", "reason", "lines", "totals"}
    assert claim["status"] == "unsent" and claim["national_code"] == DEMO["patient"][0]
    assert claim["lines"][0]["uid"] and claim["insurer"] == {"code": "IHIO",
                                                            "name": "بیمه سلامت ایران"}
    only = pharmacy.get("/api/v1/claims", {"from": today, "to": today,
                                           "scheme": "DANA-SUPP"}).json()
    assert [c["totals"]["amount"] for c in only["results"]] == [10500]


def test_add_unsent_then_send_to_the_builtin_insurer(dispensed, send):
    pharmacy = dispensed
    assert pharmacy.post("/api/v1/claims/add-unsent", period(),
                         format="json").json() == {"added": 2}
    response = send(pharmacy, "/api/v1/claims/send", period())
    assert response.status_code == 202
    job = response.json()["job"]
    # no worker here: the job ran inline
    progress = pharmacy.get(f"/api/v1/jobs/{job['id']}").json()
    assert progress == {"id": job["id"], "kind": "send", "status": "done", "total": 2,
                        "done": 2, "failed": 0, "accepted": 2, "rejected": 0, "detail": ""}
    assert set(Claim.objects.filter(scheme__code="IHIO-GOV").values_list("status",
                                                                           flat=True)) == {
        "accepted"}
    # the other funds were not part of it
    assert Claim.objects.get(scheme__code="SSO-GEN").status == "unsent"


def test_the_builtin_insurer_rejects_a_claim_priced_above_the_days_price(dispensed, send):
    from prescriptions.catalog import prices_record
    from prescriptions.models import CatalogItem

    pharmacy = dispensed
    CatalogItem.objects.filter(code="PARA-500-TAB").update(unit_price=4000)
    prices_record({"PARA-500-TAB": 4000}, {"PARA-500-TAB": 5000})  # a cut from today
    pharmacy.post("/api/v1/claims/add-unsent", period(), format="json")
    send(pharmacy, "/api/v1/claims/send", period())
    claim = Claim.objects.filter(scheme__code="IHIO-GOV").first()
    assert (claim.status, claim.reason_code) == ("rejected", "price_above_tariff")
    assert "قیمت" in claim.reason


def test_a_missing_pack_code_is_rejected_by_the_insurer(settings, written, api_as, send):
    settings.TTAC_REQUIRED = False  # the counter let it through; the insurer does not
    rx = written([{"code": "AMOX-500-CAP", "quantity": 10}])
    pharmacy = api_as("pharmacy")
    pharmacy.post(f"/api/v1/prescriptions/{rx['tracking_code']}/dispense",
                  {"lines": [{"item": rx["items"][0]["id"], "quantity": 10}]}, format="json")
    pharmacy.post("/api/v1/claims/add-unsent", period(), format="json")
    send(pharmacy, "/api/v1/claims/send", period())
    assert Claim.objects.get().reason_code == "missing_pack_code"


def test_sending_without_connection_settings_is_409_naming_the_insurer(dispensed):
    pharmacy = dispensed
    Connection.objects.filter(insurer__code="IHIO").delete()
    response = pharmacy.post("/api/v1/claims/send", period(), format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "no_connection"
    assert "بیمه سلامت ایران" in response.json()["detail"]
    assert response.json()["insurers"] == ["IHIO"]
    assert not Job.objects.exists()


def test_a_send_with_nothing_queued_says_so(dispensed):
    pharmacy = dispensed
    job = pharmacy.post("/api/v1/claims/send", period(), format="json").json()["job"]
    assert job["status"] == "done" and job["total"] == 0 and "افزودن" in job["detail"]


def test_resend_failed_queues_them_again(dispensed, send):
    pharmacy = dispensed
    Claim.objects.filter(scheme__code="IHIO-GOV").update(status="failed", reason="timeout")
    job = send(pharmacy, "/api/v1/claims/resend-failed", period()).json()["job"]
    assert job["kind"] == "resend" and job["total"] == 2
    assert set(Claim.objects.filter(scheme__code="IHIO-GOV").values_list("status",
                                                                           flat=True)) == {
        "accepted"}


def test_a_second_send_while_one_runs_points_to_it(dispensed):
    pharmacy = dispensed
    pharmacy.post("/api/v1/claims/add-unsent", period(), format="json")
    today = timezone.localdate()
    running = Job.objects.create(
        facility=Claim.objects.first().facility, kind="send", status="running",
        started_by_id=pharmacy.get("/api/v1/me").json()["membership"]["id"],
        date_from=today, date_to=today, schemes=["IHIO-GOV"],
        scope=f"{Claim.objects.first().facility_id}:{today}:{today}:"
              + hashlib.sha256(b"IHIO-GOV").hexdigest()[:32])
    response = pharmacy.post("/api/v1/claims/send", period(), format="json")
    assert response.status_code == 202 and response.json()["job"]["id"] == running.pk
    assert Job.objects.count() == 1


@pytest.mark.parametrize("body, code", [
    ({"from": "1405-09-10", "to": "1405-09-01"}, "range_reversed"),
    ({"from": "2020-01-01", "to": "2021-06-01"}, "range_too_long"),
    ({"to": (dt.date.today() + dt.timedelta(days=30)).isoformat()}, "range_future"),
    ({"schemes": ["NOPE"]}, "unknown_scheme"),
    ({"schemes": []}, "schemes"),
    ({"from": "yesterday"}, "date"),
    ({"from": "1405-13-40"}, "date"),
])
def test_bad_ranges_and_funds_are_clear_400s(dispensed, body, code):
    pharmacy = dispensed
    for path in ("/api/v1/claims/add-unsent", "/api/v1/claims/send"):
        response = pharmacy.post(path, period(**body), format="json")
        assert response.status_code == 400, (path, response.content)
        assert response.json()["code"] == code


def test_jalali_dates_are_read_as_such(dispensed):
    from accounts.jalali import to_jalali

    pharmacy = dispensed
    today = to_jalali(timezone.localdate()).strftime("%Y-%m-%d")
    body = pharmacy.get("/api/v1/claims", {"from": today, "to": today}).json()
    assert body["count"] == 4


def test_the_list_is_paged_with_a_link_and_a_signed_cursor(dispensed):
    pharmacy = dispensed
    today = timezone.localdate().isoformat()
    first = pharmacy.get("/api/v1/claims", {"from": today, "to": today, "page_size": 3})
    assert len(first.json()["results"]) == 3 and first.json()["count"] == 4
    link = first["Link"]
    assert link.endswith('rel="next"')
    url = link[1:link.index(">")]
    second = pharmacy.get(url)
    assert len(second.json()["results"]) == 1 and "Link" not in second
    ids = {c["id"] for c in first.json()["results"]} | {c["id"] for c in second.json()["results"]}
    assert len(ids) == 4
    assert pharmacy.get("/api/v1/claims", {"from": today, "to": today,
                                           "cursor": "tampered"}).status_code == 400
    for size in ("0", "201", "x"):
        assert pharmacy.get("/api/v1/claims", {"from": today, "to": today,
                                               "page_size": size}).status_code == 400


def test_facilities_see_only_their_claims_and_jobs(dispensed, api_as):
    pharmacy = dispensed
    today = timezone.localdate().isoformat()
    job = pharmacy.post("/api/v1/claims/send", period(), format="json").json()["job"]
    sina = api_as("pharmacy2")
    assert sina.get("/api/v1/claims", {"from": today, "to": today}).json()["count"] == 0
    assert sina.get(f"/api/v1/jobs/{job['id']}").status_code == 404
    for who in ("patient", "reception", "reviewer"):
        assert api_as(who).get("/api/v1/claims", {"from": today, "to": today}
                               ).status_code == 403


def test_the_hand_built_claim_matches_its_serializer(dispensed):
    from claims.serializers import ClaimOut, claim_data

    for claim in Claim.objects.select_related("scheme__insurer", "facility", "patient"):
        assert claim_data(claim) == dict(ClaimOut(claim).data)
