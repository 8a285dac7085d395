"""One licence per person (seed 002 §8-12 note 1) and the council registry import."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import Membership, Practitioner
from tests.conftest import DEMO, membership_of

HEADER = "council_number,national_code,full_name,specialty,licence_status,valid_until\n"


def _visit(api_as, facility_name):
    doctor = membership_of(DEMO["doctor"][0], facility_name)
    client = api_as("doctor", facility_name)
    visit = client.post("/api/v1/visits", {"national_code": DEMO["patient"][0],
                                           "doctor": doctor.pk}, format="json").json()
    return client, visit


def _prescribe(client, visit):
    return client.post("/api/v1/prescriptions", {
        "visit": visit["id"], "kind": "drug",
        "items": [{"code": "PARA-500-TAB", "quantity": 10}]}, format="json")


def test_both_sites_of_a_doctor_share_one_licence(demo):
    office = membership_of(DEMO["doctor"][0], "مطب دکتر احمدی")
    clinic = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    assert office.practitioner_id == clinic.practitioner_id
    assert office.council_number == "110001" and office.specialty == "gp"


def test_a_suspension_at_one_site_blocks_the_other(api_as, demo):
    office_client, office_visit = _visit(api_as, "مطب دکتر احمدی")
    clinic_client, clinic_visit = _visit(api_as, "درمانگاه شفا")
    assert _prescribe(clinic_client, clinic_visit).status_code == 201
    practitioner = membership_of(DEMO["doctor"][0], "مطب دکتر احمدی").practitioner
    practitioner.licence_status = Practitioner.Licence.SUSPENDED
    practitioner.save()
    for client, visit in ((office_client, office_visit), (clinic_client, clinic_visit)):
        response = _prescribe(client, visit)
        assert response.status_code == 403
        assert response.json()["code"] == "licence"
        assert "تعلیق" in response.json()["detail"]


@pytest.mark.parametrize("change, word", [
    ({"licence_status": "revoked"}, "ابطال"),
    ({"valid_until": dt.date(2020, 1, 1)}, "به پایان رسیده"),
])
def test_revoked_or_expired_licences_cannot_prescribe(api_as, demo, change, word):
    client, visit = _visit(api_as, "درمانگاه شفا")
    Practitioner.objects.filter(council_number="110001").update(**change)
    response = _prescribe(client, visit)
    assert response.status_code == 403 and word in response.json()["detail"]


def test_a_licence_valid_until_today_still_prescribes(api_as, demo):
    client, visit = _visit(api_as, "درمانگاه شفا")
    Practitioner.objects.filter(council_number="110001").update(
        valid_until=timezone.localdate())
    assert _prescribe(client, visit).status_code == 201


def test_the_page_says_why_the_doctor_cannot_prescribe(page_as, demo):
    Practitioner.objects.filter(council_number="110001").update(licence_status="suspended")
    html = page_as("doctor", "درمانگاه شفا").get("/doctor/").content.decode()
    assert "تعلیق" in html


def _import(text: str) -> str:
    path = io.StringIO()
    from tempfile import NamedTemporaryFile

    with NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8") as handle:
        handle.write(text)
    call_command("import_council_registry", handle.name, stdout=path)
    return path.getvalue()


def test_registry_import_creates_updates_and_reports_changes(demo):
    output = _import(
        HEADER
        + "110001,0012345679,سارا احمدی,gp,suspended,1406-01-01\n"
        + "110002,0090123451,رضا کریمی,cardiology,active,\n"
        + "110003,0771234562,زهرا یوسفی,پوست,active,2027-06-30\n")
    sara = Practitioner.objects.get(council_number="110001")
    assert sara.licence_status == "suspended" and sara.valid_until == dt.date(2027, 3, 21)
    assert "110001" in output and "active → suspended" in output
    assert "3 rows: 1 new, 1 changed, 1 unchanged" in output
    new = Practitioner.objects.get(council_number="110003")
    assert new.specialty == "dermatology" and new.user is None
    assert not membership_of(DEMO["doctor"][0], "درمانگاه شفا").can_prescribe


def test_running_the_same_registry_twice_changes_nothing(demo):
    rows = HEADER + "110002,0090123451,رضا کریمی,cardiology,active,\n"
    _import(rows)
    assert "0 new, 0 changed, 1 unchanged" in _import(rows)


@pytest.mark.parametrize("row, message", [
    ("110009,1234567890,نام,gp,active,", "national_code"),
    ("abc,0771234562,نام,gp,active,", "council_number"),
    ("110009,0771234562,,gp,active,", "full_name"),
    ("110009,0771234562,نام,astrology,active,", "specialty"),
    ("110009,0771234562,نام,gp,sleeping,", "licence_status"),
    ("110009,0771234562,نام,gp,active,1405-13-40", "valid_until"),
    ("110001,0771234562,نام,gp,active,", "belongs to national code"),
    ("110009,0012345679,نام,gp,active,", "already has council number"),
    ("110002,0090123451,رضا کریمی,cardiology,active,", "repeats line"),
])
def test_a_bad_row_changes_nothing(demo, row, message):
    before = list(Practitioner.objects.values_list("council_number", "licence_status"))
    text = HEADER + "110002,0090123451,رضا کریمی,cardiology,suspended,\n" + row + "\n"
    with pytest.raises(CommandError) as error:
        _import(text)
    assert "nothing was changed" in str(error.value)
    assert list(Practitioner.objects.values_list("council_number", "licence_status")) == before


def test_missing_columns_are_reported(demo, capsys):
    with pytest.raises(CommandError):
        _import("council_number,national_code\n110001,0012345679\n")


def test_a_doctor_membership_needs_a_practitioner(demo):
    from django.db import IntegrityError, transaction

    membership = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=membership.pk).update(practitioner=None)


def test_the_migration_moves_every_doctors_licence_to_one_record(transactional_db):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0001_initial")])
    old = executor.loader.project_state([("accounts", "0001_initial")]).apps
    User = old.get_model("accounts", "User")
    Facility = old.get_model("accounts", "Facility")
    OldMembership = old.get_model("accounts", "Membership")
    user = User.objects.create(national_code="0012345679", mobile="09120000001",
                               first_name="سارا", last_name="احمدی")
    sites = [Facility.objects.create(name=f"site {n}", kind="clinic", siam_id=f"9{n}")
             for n in range(2)]
    OldMembership.objects.create(user=user, role="doctor", facility=sites[0],
                                 council_number="110001", specialty="gp")
    OldMembership.objects.create(user=user, role="doctor", facility=sites[1],
                                 council_number="110001", specialty="gp",
                                 licence_status="suspended")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    practitioner = Practitioner.objects.get()
    assert (practitioner.council_number, practitioner.licence_status, practitioner.full_name
            ) == ("110001", "suspended", "سارا احمدی")
    assert set(Membership.objects.values_list("practitioner_id", flat=True)) == {
        practitioner.pk}
