"""Choosing and switching memberships, tokens, and each role's home page."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Facility, Membership, Role, User
from accounts.services import membership_grant
from tests.conftest import DEMO, membership_of, sign_in

HOMES = {
    "doctor": "/doctor/",
    "reception": "/reception/",
    "pharmacy": "/fulfil/",
    "lab": "/fulfil/",
    "imaging": "/fulfil/",
    "physio": "/fulfil/",
    "reviewer": "/reviewer/",
    "patient": "/patient/",
}
PAGES = {"/doctor/": {"doctor"}, "/reception/": {"reception"}, "/patient/": {"patient"},
         "/fulfil/": {"pharmacy", "lab", "imaging", "physio"}, "/reviewer/": {"reviewer"},
         "/fulfil/offline/": {"pharmacy", "lab", "imaging", "physio"},
         "/patient/access-log/": {"patient"}, "/patient/complaints/": {"patient"},
         "/patient/complaints/new": {"patient"}}


def test_switching_membership_changes_me(api_as, demo):
    client = api_as("doctor")
    shafa = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    response = client.post("/api/v1/auth/membership", {"membership": shafa.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["membership"]["facility"]["name"] == "درمانگاه شفا"
    me = client.get("/api/v1/me").json()
    assert me["membership"]["id"] == shafa.pk
    assert me["national_code"] == DEMO["doctor"][0]
    assert len(me["memberships"]) == 2


def test_cannot_switch_to_someone_elses_membership(api_as, demo):
    client = api_as("doctor")
    other = membership_of(DEMO["pharmacy"][0])
    response = client.post("/api/v1/auth/membership", {"membership": other.pk}, format="json")
    assert response.status_code == 400
    assert client.get("/api/v1/me").json()["membership"]["role"] == "doctor"


def test_two_sign_ins_have_independent_memberships(demo, outbox):
    first, second = APIClient(), APIClient()
    ahmadi = membership_of(DEMO["doctor"][0], "مطب دکتر احمدی")
    shafa = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    sign_in(first, outbox, DEMO["doctor"], ahmadi)
    sign_in(second, outbox, DEMO["doctor"], shafa)
    assert first.get("/api/v1/me").json()["membership"]["id"] == ahmadi.pk
    assert second.get("/api/v1/me").json()["membership"]["id"] == shafa.pk


def test_logout_revokes_the_token(api_as):
    client = api_as("pharmacy")
    assert client.get("/api/v1/me").status_code == 200
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_me_needs_sign_in(demo):
    assert APIClient().get("/api/v1/me").status_code == 401
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert bad.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("who", list(HOMES))
def test_each_role_lands_on_its_home(page_as, who):
    client = page_as(who)
    response = client.get("/")
    assert response.status_code == 302 and response.url == HOMES[who]
    page = client.get(HOMES[who])
    assert page.status_code == 200
    html = page.content.decode()
    assert 'dir="rtl"' in html and 'lang="fa"' in html


@pytest.mark.parametrize("who", list(HOMES))
@pytest.mark.parametrize("page", list(PAGES))
def test_role_pages_are_refused_to_other_roles(page_as, who, page):
    response = page_as(who).get(page)
    expected = 200 if who in PAGES[page] else 403
    assert response.status_code == expected


def test_pages_require_sign_in(client, demo):
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 302 and "/login/" in response.url


def test_browser_sign_in_with_several_memberships_asks_which(client, demo, outbox):
    national_code, mobile = DEMO["doctor"]
    response = client.post("/login/", {"national_code": national_code, "mobile": mobile})
    assert response.status_code == 302 and response.url == "/login/code/"
    response = client.post("/login/code/", {"code": outbox.last_code(mobile)})
    assert response.status_code == 302 and response.url == "/login/choose/"
    page = client.get("/login/choose/").content.decode()
    assert "درمانگاه شفا" in page and "مطب دکتر احمدی" in page
    shafa = membership_of(national_code, "درمانگاه شفا")
    response = client.post("/login/choose/", {"membership": shafa.pk})
    assert response.status_code == 302
    home = client.get("/doctor/")
    assert "درمانگاه شفا" in home.content.decode()
    # switch from the header to the other practice
    ahmadi = membership_of(national_code, "مطب دکتر احمدی")
    client.post("/login/choose/", {"membership": ahmadi.pk})
    assert "مطب دکتر احمدی" in client.get("/doctor/").content.decode()


def test_browser_cannot_choose_someone_elses_membership(client, demo, outbox):
    national_code, mobile = DEMO["patient"]
    client.post("/login/", {"national_code": national_code, "mobile": mobile})
    client.post("/login/code/", {"code": outbox.last_code(mobile)})
    other = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    response = client.post("/login/choose/", {"membership": other.pk})
    assert response.status_code == 400
    assert client.get("/doctor/").status_code in {302, 403}


def test_single_membership_goes_straight_home(client, demo, outbox):
    national_code, mobile = DEMO["pharmacy"]
    client.post("/login/", {"national_code": national_code, "mobile": mobile})
    response = client.post("/login/code/", {"code": outbox.last_code(mobile)})
    assert response.status_code == 302
    assert client.get(response.url).status_code == 302  # / -> role home
    assert client.get("/fulfil/").status_code == 200


def test_wrong_code_in_browser_shows_error(client, demo, outbox):
    national_code, mobile = DEMO["pharmacy"]
    client.post("/login/", {"national_code": national_code, "mobile": mobile})
    response = client.post("/login/code/", {"code": "000000"
                                            if outbox.last_code(mobile) != "000000" else "111111"})
    assert response.status_code == 400
    assert "نادرست" in response.content.decode()


def test_invalid_national_code_in_browser_shows_error(client, demo, outbox):
    response = client.post("/login/", {"national_code": "1234567890", "mobile": "09120000001"})
    assert response.status_code == 400
    assert "کد ملی معتبر نیست" in response.content.decode()
    assert outbox.messages() == []


def test_logout_requires_post_and_csrf(demo, outbox):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    user = User.objects.get(national_code=DEMO["pharmacy"][0])
    client.force_login(user)
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 403  # no CSRF token


def test_granting_a_membership_sends_an_sms_notice(demo, outbox, django_capture_on_commit_callbacks):
    user = User.objects.get(national_code=DEMO["patient"][0])
    razi = Facility.objects.get(name="داروخانه رازی")
    with django_capture_on_commit_callbacks(execute=True):
        membership_grant(user=user, role=Role.PHARMACY, facility=razi)
    notices = [m for m in outbox.messages() if m["purpose"] == "notice"]
    assert len(notices) == 1 and notices[0]["to"] == DEMO["patient"][1]
    assert "داروخانه رازی" in notices[0]["text"] and notices[0]["code"] is None


def test_role_must_match_facility_kind(demo):
    from accounts.errors import Invalid

    user = User.objects.get(national_code=DEMO["patient"][0])
    with pytest.raises(Invalid):
        membership_grant(user=user, role=Role.PHARMACY,
                         facility=Facility.objects.get(name="آزمایشگاه پاستور"))


def test_suspended_licence_cannot_prescribe(demo):
    membership = membership_of(DEMO["cardiologist"][0])
    assert membership.can_prescribe
    membership.practitioner.licence_status = "suspended"
    assert not membership.can_prescribe


def test_seed_demo_is_idempotent(demo):
    from django.core.management import call_command

    counts = (User.objects.count(), Membership.objects.count(), Facility.objects.count())
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert (User.objects.count(), Membership.objects.count(), Facility.objects.count()) == counts
    assert counts == (14, 15, 9)


def test_seed_demo_with_activity_fills_the_screens_once(demo):
    from django.core.management import call_command

    from claims.models import Claim, Invoice

    call_command("seed_demo", "--activity", stdout=open("/dev/null", "w"))
    claims, invoices = Claim.objects.count(), Invoice.objects.count()
    assert claims > 200 and invoices >= 1
    assert Invoice.objects.filter(status="paid").exists() or invoices == 1
    assert Invoice.objects.filter(status="under_review", deductions__gt=0).exists()
    call_command("seed_demo", "--activity", stdout=open("/dev/null", "w"))
    assert (Claim.objects.count(), Invoice.objects.count()) == (claims, invoices)
    # Ali has a signed lab prescription to print; the demo key that signed it is revoked
    from accounts.models import DoctorKey
    from prescriptions.models import Prescription

    signed = Prescription.objects.get(patient__national_code="0089012348", kind="lab")
    assert signed.signed and signed.status == "active"
    assert DoctorKey.objects.get().revoked_at is not None
    assert Prescription.objects.count() == 1
