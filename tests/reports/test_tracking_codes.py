"""Issue 14 §1: tracking codes and claim PINs. A 6-digit PIN must not fall to many addresses: each submitted code
(normalised) counts its wrong PINs and, past the limit, refuses PIN attempts for a while — answered exactly like a
wrong PIN or an unknown code. Its owner, signed in, still sees the report. Claims read the code as tracking does."""
import time

import pytest

from reporter.reports.services import normalize_code
from tests.conftest import app_ctx
from tests.reports.conftest import FAR_AWAY
from tests.rewards.support import claim_body
from tests.rewards.test_end_to_end import Place

FULL_WIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"}


def dashed_lower(code: str) -> str:
    return f" {code[:3].lower()}-{code[3:6].lower()} {code[6:].lower()} "


def full_width(code: str) -> str:
    return code.translate(FULL_WIDTH)


def _track(client, code: str, pin: str, address: str):
    return client.post("/api/v1/reports/track", json={"code": code, "pin": pin},
                       environ_base={"REMOTE_ADDR": address})


@pytest.fixture()
def tracking_client(make_app):
    """An app whose per-address limit is out of the way, with 3 wrong PINs per code per period."""
    return make_app(RATELIMIT_REPORT_TRACK="1000/minute", RATELIMIT_TRACK_CODE_FAILURES="3/hour").test_client()


def test_a_code_locks_after_wrong_pins_from_many_addresses_and_says_nothing_more(town, tracking_client):
    town.resident("anon")
    created = town.submit("anon", anonymous=True, contact=None, claim_pin="246810").get_json()
    other = town.submit("anon", where=FAR_AWAY, anonymous=True, contact=None, claim_pin="135790").get_json()
    code = created["tracking_code"]
    assert _track(tracking_client, code, "246810", "10.0.0.1").status_code == 200
    # Three wrong PINs, each from another address and in another spelling of the same code.
    wrong = [_track(tracking_client, variant, "000000", f"10.0.1.{i}")
             for i, variant in enumerate((dashed_lower(code), full_width(code), code))]
    assert [r.status_code for r in wrong] == [404, 404, 404]
    locked = _track(tracking_client, code, "246810", "10.0.2.1")  # the right PIN, now refused
    unknown = _track(tracking_client, "ZZZZZZZZZZ", "246810", "10.0.2.2")
    assert locked.status_code == unknown.status_code == wrong[0].status_code == 404
    assert locked.get_json() == unknown.get_json() == wrong[0].get_json()
    assert sorted(k for k, _ in locked.headers) == sorted(k for k, _ in unknown.headers)
    assert _track(tracking_client, normalize_code(dashed_lower(code)), "246810", "10.0.2.3").status_code == 404
    # Another code is not affected, and the owner signed in still sees the report.
    assert _track(tracking_client, other["tracking_code"], "135790", "10.0.2.4").status_code == 200
    own = town.client.get(f"/api/v1/reports/{created['id']}", headers=town.h("anon"))
    assert own.status_code == 200 and own.get_json()["tracking_code"] == code


def test_failures_count_per_submitted_code_whether_or_not_it_exists(app, tracking_client):
    from reporter.reports.services import TRACK_CODE_FAILURES

    for i in range(3):
        assert _track(tracking_client, "qrst-uvwx-yz", "123456", f"10.1.0.{i}").status_code == 404
    with app_ctx(tracking_client.application):
        assert TRACK_CODE_FAILURES.locked(normalize_code("QRSTUVWXYZ"))
        assert not TRACK_CODE_FAILURES.locked(normalize_code("QRSTUVWXY2"))


def test_the_lock_lasts_for_the_period_only(town, make_app):
    client = make_app(RATELIMIT_REPORT_TRACK="1000/minute", RATELIMIT_TRACK_CODE_FAILURES="2 per 2 seconds") \
        .test_client()
    town.resident("anon")
    created = town.submit("anon", anonymous=True, contact=None, claim_pin="246810").get_json()
    for i in range(2):
        _track(client, created["tracking_code"], "999999", f"10.2.0.{i}")
    assert _track(client, created["tracking_code"], "246810", "10.2.1.1").status_code == 404
    time.sleep(2.2)
    assert _track(client, created["tracking_code"], "246810", "10.2.1.2").status_code == 200


@pytest.mark.parametrize("spell", [dashed_lower, full_width, str.lower])
def test_claims_accept_the_tracking_code_as_tracking_does(app, client, users, wechat, spell):
    place = Place(app, client, users, wechat)
    _resident, headers = place.resident()
    created = place.report(headers, anonymous=True, claim_pin="135246")
    place.close(created["case_id"])
    [reward] = place.rewards_of(created["case_id"])
    place.desk.to_notified(reward["id"])
    claimed = client.post(f"/api/v1/rewards/{reward['id']}/claim", headers=headers,
                          json=claim_body(tracking_code=spell(created["tracking_code"]), pin="135246"))
    assert claimed.status_code == 200, claimed.get_json()
