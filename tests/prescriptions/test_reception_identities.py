"""Reception's page for every identity: FIDA, unidentified, newborns under the mother."""

import pytest

from accounts.models import Patient
from prescriptions.models import Visit
from tests.conftest import DEMO, membership_of


@pytest.fixture
def reception(page_as):
    return page_as("reception")


@pytest.fixture
def doctor(demo):
    return membership_of(DEMO["doctor"][0], "درمانگاه شفا")


def register(reception, doctor, **fields):
    return reception.post("/patients/register", {
        "first_name": "نام", "last_name": "خانوادگی", "birth_date": "۱۴۰۰/۰۱/۰۱", "sex": "F",
        "doctor": doctor.pk, **fields})


def test_an_unknown_fida_code_opens_registration_as_fida(reception, doctor):
    page = reception.post("/reception/", {"national_code": "123456789012",
                                          "doctor": doctor.pk}).content.decode()
    assert "این بیمار هنوز ثبت نشده است" in page
    assert 'value="fida" id="id_identity_1" checked' in page
    response = register(reception, doctor, identity="fida", code="123456789012")
    assert response.status_code == 302
    assert Visit.objects.get().patient.fida_code == "123456789012"


def test_an_unidentified_person_is_registered_with_an_issued_id(reception, doctor):
    response = register(reception, doctor, identity="unidentified")
    assert response.status_code == 302
    patient = Patient.objects.get(unidentified=True)
    page = reception.get("/reception/").content.decode()
    from accounts.jalali import fa_digits

    assert fa_digits(patient.unique_id) in page
    assert Visit.objects.get().patient == patient and Visit.objects.get().scheme is None


def test_newborn_registration_then_admission_from_the_mothers_code(reception, doctor):
    mother = DEMO["patient2"][0]
    page = reception.post("/reception/", {"national_code": mother, "doctor": doctor.pk,
                                          "newborn": "on"}).content.decode()
    assert "نوزادی برای این مادر ثبت نشده است" in page
    assert 'value="newborn"' in page and f'value="{mother}"' in page
    response = register(reception, doctor, identity="newborn", mother_code=mother,
                        first_name="نوزاد", last_name="حسینی")
    assert response.status_code == 302
    baby = Patient.objects.get(mother__national_code=mother)
    visit = Visit.objects.get(patient=baby)
    assert visit.scheme.code == "SSO-GEN"
    # next time the baby is listed under the mother and admitted with one click
    visit.status = Visit.Status.DONE
    visit.save()
    page = reception.post("/reception/", {"national_code": mother, "doctor": doctor.pk,
                                          "newborn": "on"}).content.decode()
    assert baby.unique_id in page and "پذیرش این نوزاد" in page
    response = reception.post("/reception/", {"national_code": baby.unique_id,
                                              "doctor": doctor.pk})
    assert response.status_code == 302
    assert Visit.objects.filter(patient=baby).count() == 2


def test_a_newborn_of_an_unregistered_mother_is_refused(reception, doctor):
    response = reception.post("/reception/", {"national_code": "0499370899",
                                              "doctor": doctor.pk, "newborn": "on"},
                              follow=True)
    assert "ابتدا مادر را ثبت کنید" in response.content.decode()
    assert not Patient.objects.filter(mother__isnull=False).exists()


def test_a_registration_error_keeps_nothing_half_written(reception, doctor):
    response = register(reception, doctor, identity="national", code="123456789012")
    assert response.status_code == 400
    assert "فیدا" in response.content.decode()
    response = register(reception, doctor, identity="newborn", mother_code="")
    assert response.status_code == 400
    assert not Visit.objects.exists() and not Patient.objects.filter(last_name="خانوادگی")


def test_a_failed_admission_rolls_the_registration_back(reception, doctor):
    response = reception.post("/patients/register", {
        "identity": "national", "code": "0499370899", "first_name": "ن", "last_name": "ک",
        "birth_date": "۱۴۰۰/۰۱/۰۱", "sex": "F", "doctor": "999999"})
    assert response.status_code == 400
    assert not Patient.objects.filter(national_code="0499370899").exists()
