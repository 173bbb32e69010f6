"""Submission: one transaction, Idempotency-Key replays, every validation error, tracking codes, EXIF flags."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from reporter.cases.models import Case
from reporter.geo.coords import wgs84_to_gcj02
from reporter.media.models import Upload
from reporter.reports.models import Report
from reporter.reports.services import TRACKING_ALPHABET
from tests.api.test_frame import assert_error
from tests.reports.conftest import NINGSHAN, photo_bytes, report_body


def count(town, model) -> int:
    return town.query(lambda s: s.execute(select(func.count()).select_from(model)).scalar_one())


def test_a_retry_after_a_dropped_response_returns_the_first_answer(town):
    town.resident("li")
    body = report_body([town.upload("li"), town.upload("li")])
    headers = {**town.h("li"), "Idempotency-Key": "li-report-1"}
    first = town.client.post("/api/v1/reports", json=body, headers=headers)
    # the phone never saw `first` (network dropped) and sends the same request again
    again = town.client.post("/api/v1/reports", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(town, Report) == 1 and count(town, Case) == 1
    other = town.client.post("/api/v1/reports", json={**body, "description": "换了一个描述内容"}, headers=headers)
    assert_error(other, 422, "idempotency_mismatch")
    assert count(town, Report) == 1


def test_a_failed_submission_leaves_nothing_and_frees_its_photos(town):
    town.resident("li")
    good = town.upload("li")
    body = report_body([good, "no-such-photo"])
    resp = town.client.post("/api/v1/reports", json=body, headers={**town.h("li"), "Idempotency-Key": "k"})
    assert assert_error(resp, 422)["errors"]["json"]["photo_ids"] == {"1": ["No such upload of yours."]}
    assert count(town, Report) == 0 and count(town, Case) == 0
    assert town.query(lambda s: s.get(Upload, good).state) == "pending"
    retry = town.client.post("/api/v1/reports", json=report_body([good]),
                             headers={**town.h("li"), "Idempotency-Key": "k2"})
    assert retry.status_code == 201


@pytest.mark.parametrize("change, location", [
    ({"category": "unicorn_poaching"}, "category"),
    ({"category": ""}, "category"),
    ({"location": {"lat": 39.9042, "lng": 116.4074}}, "location"),  # Beijing
    ({"location": {"lat": 33.3, "lng": 108.3, "coord_system": "bd09"}}, "location"),
    ({"description": "短"}, "description"),
    ({"description": "长" * 2001}, "description"),
    ({"photo_ids": []}, "photo_ids"),
    ({"photo_ids": [f"p{i}" for i in range(10)]}, "photo_ids"),
    ({"occurred_at": (datetime.now(UTC) + timedelta(hours=2)).isoformat()}, "occurred_at"),
    ({"occurred_at": "2026-01-01T10:00:00"}, "occurred_at"),  # no offset
    ({"claim_pin": "123456"}, "claim_pin"),  # not anonymous
    ({"anonymous": True, "contact": None, "claim_pin": "12345"}, "claim_pin"),
    ({"anonymous": True, "claim_pin": "123456"}, "contact"),  # anonymous with a contact
    ({"contact": {"name": "张三", "phone": "call me"}}, "contact"),
    ({"surprise": 1}, "surprise"),
])
def test_every_validation_error_names_its_field(town, change, location):
    town.resident("li")
    body = {**report_body([town.upload("li")]), **change}
    resp = town.client.post("/api/v1/reports", json=body, headers=town.h("li"))
    errors = assert_error(resp, 422, "validation_failed")["errors"]["json"]
    assert location in errors
    assert count(town, Report) == 0


def test_photos_must_be_the_callers_own_pending_report_photos(town):
    town.resident("li")
    town.resident("zhao")
    theirs = town.upload("zhao")
    patrol = town.upload("li", "patrol")
    used = town.upload("li")
    assert town.client.post("/api/v1/reports", json=report_body([used]), headers=town.h("li")).status_code == 201
    resp = town.client.post("/api/v1/reports", json=report_body([theirs, patrol, used], where=(33.35, 108.36)),
                            headers=town.h("li"))
    errors = assert_error(resp, 422)["errors"]["json"]["photo_ids"]
    assert set(errors) == {"0", "1", "2"}


def test_only_residents_submit_and_a_token_is_needed(town):
    assert_error(town.client.post("/api/v1/reports", json={}), 401)
    assert_error(town.client.post("/api/v1/reports", json={}, headers=town.h("officer")), 403)


def test_tracking_codes_are_short_unambiguous_and_distinct(town):
    town.resident("li")
    codes = {town.submit("li", where=(33.30 + i * 0.01, 108.31)).get_json()["tracking_code"] for i in range(5)}
    assert len(codes) == 5
    for code in codes:
        assert len(code) == 10 and set(code) <= set(TRACKING_ALPHABET)
        assert not set(code) & set("0O1IL")


def test_exif_far_from_a_gcj02_point_or_old_is_flagged_not_refused(town):
    town.resident("li")
    taken_long_ago = datetime(2020, 5, 1, 9, 0, 0)
    near = town.upload("li", data=photo_bytes(gps=NINGSHAN))  # right where it is reported
    far = town.upload("li", data=photo_bytes(gps=(33.3700, 108.3140)))  # ~6.4 km north
    old = town.upload("li", data=photo_bytes(gps=NINGSHAN, taken=taken_long_ago, offset="+08:00"))
    gcj_lat, gcj_lng = wgs84_to_gcj02(*NINGSHAN)  # the phone's map pick, in GCJ-02
    body = report_body([near, far, old])
    body["location"] = {"lat": gcj_lat, "lng": gcj_lng, "coord_system": "gcj02"}
    resp = town.client.post("/api/v1/reports", json=body, headers=town.h("li"))
    assert resp.status_code == 201
    flags = town.query(lambda s: s.get(Report, resp.get_json()["id"]).flags)
    kinds = {(f["kind"], f["photo_id"]) for f in flags}
    assert kinds == {("exif_far", far), ("exif_old", old)}  # the near photo matches once both are WGS-84
    far_flag = next(f for f in flags if f["kind"] == "exif_far")
    assert 6000 < far_flag["distance_m"] < 7000


def test_submissions_are_rate_limited_per_user(make_app, users, wechat):
    from tests.reports.conftest import Town

    app = make_app(RATELIMIT_REPORT_SUBMIT="2/hour")
    town = Town(app, app.test_client(), users, wechat)
    town.resident("spammer")
    for _ in range(2):
        assert town.client.post("/api/v1/reports", json={}, headers=town.h("spammer")).status_code == 422
    limited = town.client.post("/api/v1/reports", json={}, headers=town.h("spammer"))
    assert_error(limited, 429, "rate_limited")
    assert int(limited.headers["Retry-After"]) > 0


def test_replays_and_requests_in_progress_do_not_use_up_the_submit_limit(make_app, users, wechat):
    from reporter.idempotency import services as idempotency
    from tests.reports.conftest import Town

    app = make_app(RATELIMIT_REPORT_SUBMIT="2/hour", RATELIMIT_REPORT_SUBMIT_IP="2/hour")
    town = Town(app, app.test_client(), users, wechat)
    town.resident("li")
    body = report_body([town.upload("li")])
    headers = {**town.h("li"), "Idempotency-Key": "weak-signal"}
    first = town.client.post("/api/v1/reports", json=body, headers=headers)
    assert first.status_code == 201
    for _ in range(4):  # the phone retries on a weak signal: each retry replays the first answer
        again = town.client.post("/api/v1/reports", json=body, headers=headers)
        assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    # Another submission still in progress (its key claimed, its work not committed yet): 409, several times.
    busy = report_body([town.upload("li")])
    with app.test_request_context():
        digest = idempotency.fingerprint("POST", "/api/v1/reports", busy)
        assert isinstance(idempotency.begin(town.ids["li"], "in-flight", digest), idempotency.Claim)
    for _ in range(4):
        assert_error(town.client.post("/api/v1/reports", json=busy, headers={**town.h("li"), "Idempotency-Key":
                                                                             "in-flight"}), 409, "request_in_progress")
    assert town.submit("li", key="second").status_code == 201  # the second new submission of the hour
    assert_error(town.submit("li", key="third"), 429, "rate_limited")  # the third is over the limit


@pytest.mark.postgres
def test_a_double_tap_sends_one_report(town):
    """Two identical submissions at once (same key): one report; the other answer is a replay or a 409."""
    import threading

    with town.app.app_context():
        from reporter.extensions import db

        if db.engine.dialect.name != "postgresql":
            pytest.skip("needs PostgreSQL's real concurrency")
    town.resident("li")
    body = report_body([town.upload("li") for _ in range(3)])
    headers = {**town.h("li"), "Idempotency-Key": "double-tap"}
    barrier, answers = threading.Barrier(2), []

    def tap():
        client = town.app.test_client()
        barrier.wait()
        answers.append(client.post("/api/v1/reports", json=body, headers=headers))

    threads = [threading.Thread(target=tap) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    codes = sorted(a.status_code for a in answers)
    assert codes in ([201, 201], [201, 409]), [a.get_json() for a in answers]
    created = [a.get_json() for a in answers if a.status_code == 201]
    assert all(c == created[0] for c in created)
    assert count(town, Report) == 1 and count(town, Case) == 1
