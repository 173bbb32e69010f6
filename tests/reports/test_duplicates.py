"""Duplicates: a report near an open (or recently closed) case of the same category joins it; reused photos are
flagged; supervisors merge and split; the first valid reporter of a case is always derivable."""
from datetime import timedelta

from sqlalchemy import select, update

from reporter.audit.models import AuditEvent
from reporter.cases.models import Case, CaseEvent
from reporter.common.timeutil import utcnow
from reporter.reports import services
from reporter.reports.models import Report, ReportMove
from tests.api.test_frame import assert_error
from tests.reports.conftest import NINGSHAN, photo_bytes

NEAR = (NINGSHAN[0] + 0.0015, NINGSHAN[1])  # ~170 m north
OUTSIDE_RADIUS = (NINGSHAN[0] + 0.0030, NINGSHAN[1])  # ~330 m north


def test_a_report_near_an_open_case_joins_it_and_sees_the_shared_progress(town):
    town.resident("first")
    town.resident("second")
    first = town.submit("first").get_json()
    town.do(first["case_id"], "city_sup", "accept", public_comment="已受理")
    second = town.submit("second", where=NEAR).get_json()
    assert second["case_id"] == first["case_id"]
    assert second["status"] == "accepted"
    timeline = town.client.get(f"/api/v1/reports/{second['id']}", headers=town.h("second")).get_json()["timeline"]
    assert [(e["status"], e["public_comment"]) for e in timeline] == [("submitted", None), ("accepted", "已受理")]
    other_category = town.submit("second", where=NEAR, category="forest_fire").get_json()
    farther = town.submit("second", where=OUTSIDE_RADIUS).get_json()
    assert len({first["case_id"], other_category["case_id"], farther["case_id"]}) == 3
    assert town.query(lambda s: services.primary_report(first["case_id"]).id) == first["id"]
    assert town.query(lambda s: [r.id for r in services.reports_of_case(first["case_id"])]) == \
        [first["id"], second["id"]]


def test_recently_closed_cases_raise_a_recurrence_older_ones_do_not(town):
    town.resident("first")
    town.resident("later")
    first = town.submit("first").get_json()
    town.close(first["case_id"])
    again = town.submit("later", where=NEAR).get_json()
    assert again["case_id"] == first["case_id"] and again["status"] == "under_review"  # 疑似反弹回潮
    town.query(lambda s: (s.execute(update(Case).where(Case.id == first["case_id"])
                                    .values(closed_at=utcnow() - timedelta(days=31))), s.commit()))
    new = town.submit("later", where=NEAR).get_json()
    assert new["case_id"] != first["case_id"] and new["status"] == "submitted"


def test_the_duplicate_radius_is_configurable(make_app, users, wechat):
    from tests.reports.conftest import Town

    app = make_app(REPORT_DUPLICATE_RADIUS_M=50)
    town = Town(app, app.test_client(), users, wechat)
    town.resident("a")
    town.resident("b")
    assert town.submit("a").get_json()["case_id"] != town.submit("b", where=NEAR).get_json()["case_id"]


def test_a_photo_like_another_reporters_is_flagged_as_reused(town):
    town.resident("original")
    town.resident("copier")
    picture = photo_bytes(seed=7)
    first = town.submit("original", where=NINGSHAN)
    town.upload("original")  # noise in the table
    own = town.upload("original", data=picture)
    mine = town.client.post("/api/v1/reports", json=_body([own], (33.36, 108.36)), headers=town.h("original"))
    copied = town.upload("copier", data=photo_bytes(seed=7, gps=(33.40, 108.40)))  # same picture, new EXIF
    resp = town.client.post("/api/v1/reports", json=_body([copied], (33.40, 108.40)), headers=town.h("copier"))
    assert first.status_code == mine.status_code == resp.status_code == 201
    flags = town.query(lambda s: s.get(Report, resp.get_json()["id"]).flags)
    reused = [f for f in flags if f["kind"] == "photo_reused"]
    assert reused == [{"kind": "photo_reused", "photo_id": copied, "similar_photo_id": own,
                       "report_id": mine.get_json()["id"], "distance": 0}]
    assert town.query(lambda s: s.get(Report, mine.get_json()["id"]).flags) == []  # one's own photo is no reuse


def _body(photo_ids, where):
    from tests.reports.conftest import report_body

    return report_body(photo_ids, where=where)


def test_supervisor_merges_a_case_into_another(town):
    town.resident("a")
    town.resident("b")
    first = town.submit("a").get_json()
    other = town.submit("b", where=OUTSIDE_RADIUS).get_json()
    town.do(first["case_id"], "city_sup", "accept")
    body = {"from_case_id": other["case_id"], "into_case_id": first["case_id"], "reason": "同一片林地的砍伐"}
    assert_error(town.client.post("/api/v1/case-merges", json=body, headers=town.h("officer")), 403)
    resp = town.client.post("/api/v1/case-merges", json=body, headers=town.h("city_sup"))
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == {"case_id": first["case_id"], "rejected_case_id": other["case_id"],
                               "moved_report_ids": [other["id"]]}
    moved = town.client.get(f"/api/v1/reports/{other['id']}", headers=town.h("b")).get_json()
    assert moved["case_id"] == first["case_id"] and moved["status"] == "accepted"
    merged = town.query(lambda s: s.get(Case, other["case_id"]))
    assert merged.state == "rejected"
    last = town.query(lambda s: s.execute(select(CaseEvent).where(CaseEvent.case_id == other["case_id"])
                                          .order_by(CaseEvent.seq.desc())).scalars().first())
    assert last.action == "reject" and last.data["duplicate_of"] == first["case_id"]
    assert town.query(lambda s: [(m.kind, m.from_case_id, m.to_case_id) for m in s.execute(
        select(ReportMove)).scalars()]) == [("merge", other["case_id"], first["case_id"])]
    assert town.query(lambda s: services.primary_report(first["case_id"]).id) == first["id"]
    assert town.query(lambda s: services.primary_report(other["case_id"])) is None
    again = town.client.post("/api/v1/case-merges", json=body, headers=town.h("city_sup"))
    assert_error(again, 409)


def test_supervisor_splits_a_report_into_its_own_case(town):
    town.resident("a")
    town.resident("b")
    first = town.submit("a").get_json()
    joined = town.submit("b", where=NEAR).get_json()
    assert joined["case_id"] == first["case_id"]
    url = f"/api/v1/reports/{joined['id']}/split"
    assert_error(town.client.post(url, json={"reason": "不是同一问题"}, headers=town.h("officer")), 403)
    resp = town.client.post(url, json={"reason": "不是同一问题"}, headers=town.h("city_sup"))
    assert resp.status_code == 200, resp.get_json()
    new_case = resp.get_json()["case_id"]
    assert new_case != first["case_id"] and resp.get_json()["from_case_id"] == first["case_id"]
    assert town.query(lambda s: s.get(Case, new_case).state) == "submitted"
    assert town.query(lambda s: services.primary_report(new_case).id) == joined["id"]
    assert town.query(lambda s: [r.id for r in services.reports_of_case(first["case_id"])]) == [first["id"]]
    audit = town.query(lambda s: s.execute(select(AuditEvent).where(AuditEvent.action == "report.split"))
                       .scalar_one())
    assert audit.reason == "不是同一问题" and audit.details["case_id"] == new_case
    alone = town.client.post(url, json={"reason": "再拆"}, headers=town.h("city_sup"))
    assert_error(alone, 409, "nothing_to_split")


def test_a_rejected_case_has_no_primary_reporter(town):
    town.resident("a")
    first = town.submit("a").get_json()
    town.do(first["case_id"], "city_sup", "reject", reason_code="insufficient")
    assert town.query(lambda s: services.primary_report(first["case_id"])) is None
