import itertools

import pytest

from tests.conftest import DEMO, membership_of


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


def uid(n: int) -> str:
    return f"{6260000000000000 + n:016d}"


_fresh = itertools.count(900_000)


def with_codes(lines):
    """Lines as a counter sends them for tracked drugs: a pack code on every line that has
    none (tests about pack codes themselves post their lines as they are)."""
    if not isinstance(lines, list):
        return lines
    return [{**line, "uid": uid(next(_fresh))} if isinstance(line, dict) and "uid" not in line
            else line for line in lines]
