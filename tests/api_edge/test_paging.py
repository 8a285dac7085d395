"""Contract, "The API edge": every list takes ?page_size= (1–200, default 50) and ?cursor=,
and links the next page with RFC 8288 `Link: <url>; rel="next"`; the body keeps its shape,
nothing is cut silently, a bad cursor or size is a clear 400."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import DEMO, membership_of

DRUGS = [{"code": "AMOX-500-CAP", "quantity": 10}, {"code": "PARA-500-TAB", "quantity": 5}]


def next_url(response) -> str | None:
    link = response.headers.get("Link")
    if not link:
        return None
    found = re.fullmatch(r'<(http://testserver[^>]+)>; rel="next"', link)
    assert found, link
    return found.group(1).removeprefix("http://testserver")


def walk(client, url: str) -> list[list]:
    """Every page's body from `url` on, following rel=next."""
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        pages.append(response.json())
        url = next_url(response)
        assert len(pages) < 50
    return pages


@pytest.fixture
def three(written):
    return [written(DRUGS) for _ in range(3)]


def test_a_doctors_list_pages_one_by_one_with_nothing_lost_or_repeated(api_as, three):
    doctor = api_as("doctor", "درمانگاه شفا")
    pages = walk(doctor, f"/api/v1/prescriptions?national_code={DEMO['patient'][0]}"
                         "&page_size=1")
    assert [len(p) for p in pages] == [1, 1, 1]
    codes = [p[0]["tracking_code"] for p in pages]
    assert codes == [rx["tracking_code"] for rx in reversed(three)]  # newest first
    whole = doctor.get(f"/api/v1/prescriptions?national_code={DEMO['patient'][0]}")
    assert "Link" not in whole.headers
    assert [p["tracking_code"] for p in whole.json()] == codes


def test_the_counters_hand_written_lookup_pages_the_same_way(api_as, three):
    pharmacy = api_as("pharmacy")
    pages = walk(pharmacy, f"/api/v1/prescriptions?national_code={DEMO['patient'][0]}"
                           "&page_size=2")
    assert [len(p) for p in pages] == [2, 1]
    assert [rx["tracking_code"] for page in pages for rx in page] == [
        rx["tracking_code"] for rx in reversed(three)]
    assert all(len(rx["items"]) == 2 for page in pages for rx in page)


def test_the_patients_own_list_and_access_log_page(api_as, three):
    patient = api_as("patient")
    pages = walk(patient, "/api/v1/prescriptions?page_size=2")
    assert sum(len(p) for p in pages) == 3
    api_as("pharmacy").get(f"/api/v1/prescriptions?national_code={DEMO['patient'][0]}")
    log = walk(patient, "/api/v1/me/access-log?page_size=1")
    whole = patient.get("/api/v1/me/access-log").json()
    assert len(log) == len(whole) >= 2 and [p[0] for p in log] == whole


def test_the_queue_pages_oldest_first(api_as, demo):
    reception = api_as("reception")
    shafa = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    for who in ("patient", "patient2", "uninsured"):
        response = reception.post("/api/v1/visits", {"national_code": DEMO[who][0],
                                                     "doctor": shafa.pk}, format="json")
        assert response.status_code == 201, response.content
    doctor = api_as("doctor", "درمانگاه شفا")
    pages = walk(doctor, "/api/v1/queue?page_size=2")
    ids = [v["id"] for page in pages for v in page]
    assert [len(p) for p in pages] == [2, 1] and ids == sorted(ids)


def test_a_later_page_costs_the_same_queries_as_the_first(api_as, three):
    doctor = api_as("doctor", "درمانگاه شفا")
    url = f"/api/v1/prescriptions?national_code={DEMO['patient'][0]}&page_size=1"
    with CaptureQueriesContext(connection) as first:
        response = doctor.get(url)
    with CaptureQueriesContext(connection) as second:
        assert doctor.get(next_url(response)).status_code == 200
    assert len(second) == len(first)
    assert not any("OFFSET" in q["sql"].upper() for q in second.captured_queries)


@pytest.mark.parametrize("size", ["0", "201", "-1", "abc", "1.5", "٥", "99999999999999999999",
                                  "1" * 5000])
def test_a_page_size_out_of_range_is_400(api_as, demo, size):
    response = api_as("patient").get(f"/api/v1/prescriptions?page_size={size}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "page_size" and "page_size" in body["errors"]


@pytest.mark.parametrize("cursor", ["abc", "x" * 5000, "W10:1tampered:sig", "%00"])
def test_a_tampered_cursor_is_400(api_as, demo, cursor):
    response = api_as("patient").get("/api/v1/prescriptions", {"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["code"] == "cursor"


def test_a_cursor_from_another_list_or_one_edited_is_refused(api_as, three):
    doctor = api_as("doctor", "درمانگاه شفا")
    following = next_url(doctor.get(
        f"/api/v1/prescriptions?national_code={DEMO['patient'][0]}&page_size=1"))
    cursor = re.search(r"cursor=([^&]+)", following).group(1)
    assert doctor.get(f"/api/v1/queue?cursor={cursor}").json()["code"] == "cursor"
    edited = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    response = doctor.get(f"/api/v1/prescriptions?national_code={DEMO['patient'][0]}"
                          f"&cursor={edited}")
    assert response.status_code == 400 and response.json()["code"] == "cursor"


@pytest.mark.parametrize("path", ["me/keys", "invoices"])
def test_short_lists_have_no_link_and_still_check_the_size(api_as, demo, path):
    doctor = api_as("doctor", "درمانگاه شفا")
    response = doctor.get(f"/api/v1/{path}")
    assert response.status_code == 200 and isinstance(response.json(), list)
    assert "Link" not in response.headers
    assert doctor.get(f"/api/v1/{path}?page_size=0").json()["code"] == "page_size"


def test_a_list_built_in_memory_pages_by_its_key():
    from accounts import paging
    from accounts.errors import Invalid

    rows = [{"day": d, "id": i} for d, i in [(3, 1), (1, 2), (2, 3), (1, 1), (1, 2)]]
    seen, params = [], {"page_size": "2"}
    while True:  # two rows share a key: both come, one on each side of a page's edge
        page = paging.of_list(rows, params, key=lambda r: (r["day"], r["id"]), scope="t")
        seen += page.items
        if page.next_cursor is None:
            break
        params = {"page_size": "2", "cursor": page.next_cursor}
    assert [(r["day"], r["id"]) for r in seen] == [(1, 1), (1, 2), (1, 2), (2, 3), (3, 1)]
    with pytest.raises(Invalid):
        paging.of_list(rows, {"cursor": paging.cursor_dump("other", [1, 1])},
                       key=lambda r: (r["day"], r["id"]), scope="t")
