import pytest

from tests.conftest import DEMO, membership_of


@pytest.fixture
def doctor(api_as):
    """Dr Ahmadi signed in at درمانگاه شفا."""
    return api_as("doctor", "درمانگاه شفا")


@pytest.fixture
def shafa_doctor(demo):
    return membership_of(DEMO["doctor"][0], "درمانگاه شفا")


@pytest.fixture
def admit(api_as, shafa_doctor):
    """admit("patient") -> the visit JSON, admitted by the receptionist to Dr Ahmadi."""
    reception = api_as("reception")

    def make(who: str = "patient", doctor=None) -> dict:
        response = reception.post("/api/v1/visits", {
            "national_code": DEMO[who][0], "doctor": (doctor or shafa_doctor).pk},
            format="json")
        assert response.status_code in (200, 201), response.content
        return response.json()

    return make


def drug(code: str, quantity: int = 10, **extra) -> dict:
    return {"code": code, "quantity": quantity, **extra}


@pytest.fixture
def prescribe(doctor):
    def make(visit: dict, items: list[dict], kind: str = "drug", **extra):
        return doctor.post("/api/v1/prescriptions", {"visit": visit["id"], "kind": kind,
                                                     "items": items, **extra}, format="json")

    return make
