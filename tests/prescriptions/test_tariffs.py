"""Tariffs and the cost proposal (seed 002 §8-6): an insurer pays on its tariff for the
generic group, the part of a price above it is the patient's alone, at prescribing, at
dispensing and in the claim; the cheaper member of the group is suggested with the saving."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from claims.models import ClaimLine
from prescriptions import money
from prescriptions.models import GenericGroup, Tariff
from tests.conftest import DEMO, membership_of

pytestmark = pytest.mark.django_db

BRAND = {"code": "AMOX-500-CAP-B", "quantity": 10}


def test_the_split_pays_on_the_tariff_and_leaves_the_rest_to_the_patient():
    split = money.split(unit_price=45000, quantity=10, patient_share_percent=30, covered=True,
                        tariff=25000)
    assert (split.total, split.insurer_share, split.patient_share) == (450000, 175000, 275000)
    # a price under the tariff is paid on the price
    assert money.split(unit_price=20000, quantity=10, patient_share_percent=30, covered=True,
                       tariff=25000).insurer_share == 140000
    # the supplementary insurer shares the patient's part within the tariff only
    with_supp = money.split(unit_price=45000, quantity=10, patient_share_percent=30,
                            covered=True, supplementary_percent=70, tariff=25000)
    assert with_supp.supplementary_share == 75000 * 70 // 100
    assert with_supp.patient_share == 450000 - 175000 - 52500
    with pytest.raises(ValueError):
        money.split(unit_price=1, quantity=1, patient_share_percent=0, covered=True, tariff=-1)


def _visit(api_as, who="patient"):
    shafa = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    return api_as("reception").post("/api/v1/visits", {"national_code": DEMO[who][0],
                                                       "doctor": shafa.pk},
                                    format="json").json()


def test_the_preview_shows_the_split_and_the_generic_with_the_saving(api_as, demo):
    from prescriptions.models import Prescription

    visit = _visit(api_as)
    doctor = api_as("doctor", "درمانگاه شفا")
    response = doctor.post("/api/v1/prescriptions/preview", {"visit": visit["id"],
                                                             "kind": "drug", "items": [BRAND]},
                           format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["totals"]["total"] == 450000
    assert (body["totals"]["insurer_share"], body["totals"]["patient_share"]) == (175000, 275000)
    assert body["items"][0]["tariff"] == 25000
    [suggestion] = body["suggestions"]
    assert (suggestion["code"], suggestion["patient_saving"]) == ("AMOX-500-CAP-B", 200000)
    assert suggestion["alternative"]["code"] == "AMOX-500-CAP"
    assert suggestion["alternative"]["unit_price"] == 25000
    assert not Prescription.objects.exists()  # a preview writes nothing


def test_create_suggests_too_and_the_counter_and_the_claim_use_the_tariff(api_as, demo):
    visit = _visit(api_as)
    doctor, pharmacy = api_as("doctor", "درمانگاه شفا"), api_as("pharmacy")
    created = doctor.post("/api/v1/prescriptions", {"visit": visit["id"], "kind": "drug",
                                                    "items": [BRAND]}, format="json").json()
    assert created["suggestions"][0]["patient_saving"] == 200000
    assert (created["totals"]["insurer_share"], created["totals"]["patient_share"]) == (
        175000, 275000)
    item = created["items"][0]["id"]
    response = pharmacy.post(f"/api/v1/prescriptions/{created['tracking_code']}/dispense", {
        "lines": [{"item": item, "quantity": 10, "uid": "6260000000000401"}]}, format="json")
    assert response.status_code == 201, response.content
    line = ClaimLine.objects.get(claim__tracking_code=created["tracking_code"])
    assert (line.tariff, line.insurer_share, line.patient_share) == (25000, 175000, 275000)


def test_the_generic_itself_has_no_suggestion_and_the_uninsured_no_tariff(api_as, demo):
    doctor = api_as("doctor", "درمانگاه شفا")
    visit = _visit(api_as)
    body = doctor.post("/api/v1/prescriptions/preview", {
        "visit": visit["id"], "kind": "drug",
        "items": [{"code": "AMOX-500-CAP", "quantity": 10}]}, format="json").json()
    assert body["suggestions"] == [] and body["items"][0]["tariff"] == 25000
    uninsured = _visit(api_as, "uninsured")
    body = doctor.post("/api/v1/prescriptions/preview", {
        "visit": uninsured["id"], "kind": "drug", "items": [BRAND]}, format="json").json()
    assert body["items"][0]["tariff"] is None and body["totals"]["patient_share"] == 450000


def test_the_tariff_in_force_on_the_day_applies(api_as, demo):
    group = GenericGroup.objects.get(code="AMOX-500")
    Tariff.objects.filter(group=group).update(valid_to=dt.date.today() - dt.timedelta(days=1))
    visit = _visit(api_as)
    body = api_as("doctor", "درمانگاه شفا").post("/api/v1/prescriptions/preview", {
        "visit": visit["id"], "kind": "drug", "items": [BRAND]}, format="json").json()
    assert body["items"][0]["tariff"] is None and body["totals"]["insurer_share"] == 315000


def test_tariffs_with_overlapping_validity_are_refused(demo):
    from claims.models import Scheme

    group = GenericGroup.objects.get(code="AMOX-500")
    scheme = Scheme.objects.get(code="IHIO-GOV")
    overlapping = Tariff(group=group, scheme=scheme, amount=30000,
                         valid_from=dt.date(2025, 1, 1))
    with pytest.raises(ValidationError):
        overlapping.full_clean()
    reversed_ = Tariff(group=group, scheme=Scheme.objects.get(code="IHIO-MS"), amount=1,
                       valid_from=dt.date(2019, 5, 1), valid_to=dt.date(2019, 4, 1))
    with pytest.raises(ValidationError):
        reversed_.full_clean()


def test_catalog_import_takes_the_group_and_its_tariff(demo):
    from prescriptions.catalog import catalog_import

    rows = ["code,name_fa,unit_price,generic_group,tariff\n",
            "PARA-500-TAB-B,استامینوفن برند,9000,PARA-500,6000\n",
            "PARA-500-TAB,استامینوفن ۵۰۰,5000,PARA-500,\n"]
    report = catalog_import(rows, kind="drug")
    assert not report.errors, report.errors
    group = GenericGroup.objects.get(code="PARA-500")
    assert set(group.items.values_list("code", flat=True)) == {"PARA-500-TAB", "PARA-500-TAB-B"}
    assert set(Tariff.objects.filter(group=group).values_list("amount", flat=True)) == {6000}
    # a new tariff closes the old one yesterday: periods never overlap
    report = catalog_import(["code,name_fa,unit_price,generic_group,tariff\n",
                             "PARA-500-TAB-B,استامینوفن برند,9000,PARA-500,6500\n"], kind="drug")
    assert not report.errors
    for tariff in Tariff.objects.filter(group=group):
        tariff.full_clean()


@pytest.mark.parametrize("row, problem", [
    ("X-1,نام,9000,PARA-500,-5\n", "tariff"), ("X-1,نام,9000,,6000\n", "generic_group"),
    ("X-1,نام,9000,bad group!,\n", "generic_group")])
def test_bad_group_and_tariff_columns_import_nothing(demo, row, problem):
    from prescriptions.catalog import catalog_import
    from prescriptions.models import CatalogItem

    report = catalog_import(["code,name_fa,unit_price,generic_group,tariff\n", row], kind="drug")
    assert report.errors and problem in report.errors[0]
    assert not CatalogItem.objects.filter(code="X-1").exists()
