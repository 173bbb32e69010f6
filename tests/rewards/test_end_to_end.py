"""From a resident's report in the mini-program to the payment, through HTTP: the case closes, eligibility is decided
in the same unit of work, the desk runs the flow, the resident claims, finance pays."""
import io
import itertools

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from reporter.accounts.models import User
from reporter.cases import services as cases
from reporter.notify.models import OutboxMessage
from tests.conftest import app_ctx, consent_over_http
from tests.rewards.support import Desk, claim_body

NINGSHAN = (33.3125, 108.3140)  # 宁陕县城, WGS-84
_n = itertools.count(1)


def photo() -> bytes:
    """A JPEG whose texture (and perceptual hash) is its own."""
    rng = np.random.default_rng(next(_n) + 5000)
    out = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8), "RGB").resize((256, 192)).save(out, "JPEG")
    return out.getvalue()


class Place:
    """Residents signed in through the WeChat stand-in, the 宁陕 forestry officer, a city supervisor, the desk."""

    def __init__(self, app, client, users, wechat):
        self.app, self.client, self.users, self.wechat = app, client, users, wechat
        self.supervisor = users.make("supervisor", unit_code="city.qinling_office")
        self.officer = users.make("officer", unit_code="610923.forestry")
        self.desk = Desk(client, users)

    def resident(self) -> tuple[int, dict]:
        code = f"reward-code-{next(_n)}"
        self.wechat.login_code(code, f"openid-{code}")
        body = self.client.post("/api/v1/auth/wechat", json={"code": code}).get_json()
        headers = {"Authorization": f"Bearer {body['access_token']}"}
        consent_over_http(self.client, headers)
        return body["user"]["id"], headers

    def upload(self, headers: dict, purpose: str) -> str:
        upload = self.client.post("/api/v1/uploads", headers=headers, content_type="multipart/form-data",
                                  data={"file": (io.BytesIO(photo()), "p.jpg"), "purpose": purpose})
        assert upload.status_code == 201, upload.get_json()
        return upload.get_json()["id"]

    def report(self, headers: dict, **extra) -> dict:
        body = {"category": "illegal_logging", "description": "山上有人在砍伐树木，已经砍倒好几棵",
                "location": {"lat": NINGSHAN[0], "lng": NINGSHAN[1]}, "photo_ids": [self.upload(headers, "report")],
                "anonymous": False, "wants_reward": True, **extra}
        if not body["anonymous"]:
            body.setdefault("contact", {"name": "张三", "phone": "13800138000"})
        created = self.client.post("/api/v1/reports", json=body, headers=headers)
        assert created.status_code == 201, created.get_json()
        return created.get_json()

    def act(self, case_id: int, user_id: int, action: str, **payload) -> None:
        with app_ctx(self.app) as session:
            cases.perform(case_id, action, session.get(User, user_id), payload, expected_version=None)

    def close(self, case_id: int, finding: str = "true", *, from_state: str = "submitted") -> None:
        steps = [(self.supervisor, "accept", {}), (self.supervisor, "dispatch", {}), (self.officer, "sign", {})]
        steps = steps if from_state == "submitted" else []
        evidence = [self.upload(self.users.headers(self.officer), "evidence")]
        steps += [(self.officer, "submit_result", {"finding": finding, "measures": "已责令停止砍伐并补种",
                                                   "photo_ids": evidence}),
                  (self.supervisor, "verify", {"result": "pass"}), (self.supervisor, "close", {})]
        for user_id, action, payload in steps:
            self.act(case_id, user_id, action, **payload)

    def rewards_of(self, case_id: int) -> list[dict]:
        return self.client.get(f"/api/v1/rewards?case_id={case_id}", headers=self.desk.officer_h).get_json()["items"]

    def decisions_of(self, case_id: int) -> list[dict]:
        return self.client.get(f"/api/v1/rewards/decisions?case_id={case_id}",
                               headers=self.desk.officer_h).get_json()["items"]


@pytest.fixture()
def place(app, client, users, wechat):
    return Place(app, client, users, wechat)


def test_from_report_to_payment(place):
    resident, headers = place.resident()
    case_id = place.report(headers)["case_id"]
    place.close(case_id)
    [reward] = place.rewards_of(case_id)
    assert reward["state"] == "eligible" and reward["reporter"] == "举报人" and "reporter_id" not in reward
    [decision] = place.decisions_of(case_id)
    assert decision["eligible"] and all(r["passed"] for r in decision["reasons"])
    desk = place.desk
    desk.to_notified(reward["id"], 1_000_00)
    with app_ctx(place.app) as session:
        told = session.execute(select(OutboxMessage).where(OutboxMessage.recipient_id == resident,
                                                           OutboxMessage.kind == "reward_decided")).scalar_one()
        assert told.data["report_id"] == reward["report_id"] and "1000.00" in told.data["fields"]["thing3"]
    [mine] = place.client.get("/api/v1/rewards/mine", headers=headers).get_json()["items"]
    assert mine["status"] == "awaiting_claim" and mine["amount_yuan"] == "1,000.00"
    claimed = place.client.post(f"/api/v1/rewards/{reward['id']}/claim", json=claim_body(), headers=headers)
    assert claimed.status_code == 200
    assert desk.pay(reward["id"], "ICBC-2026-000001").status_code == 200
    [mine] = place.client.get("/api/v1/rewards/mine", headers=headers).get_json()["items"]
    assert mine["status"] == "paid" and mine["paid_at"]


def test_anonymous_reporter_claims_with_tracking_code_and_pin(place):
    _resident, headers = place.resident()
    created = place.report(headers, anonymous=True, claim_pin="135246")
    place.close(created["case_id"])
    [reward] = place.rewards_of(created["case_id"])
    place.desk.to_notified(reward["id"])
    url = f"/api/v1/rewards/{reward['id']}/claim"
    wrong = place.client.post(url, json=claim_body(tracking_code=created["tracking_code"], pin="999999"),
                              headers=headers)
    assert wrong.status_code == 403
    right = place.client.post(url, json=claim_body(tracking_code=created["tracking_code"], pin="135246"),
                              headers=headers)
    assert right.status_code == 200 and right.get_json()["status"] == "claimed"


def test_a_reopened_case_closing_again_pays_once(place):
    _resident, headers = place.resident()
    case_id = place.report(headers)["case_id"]
    place.close(case_id)
    place.act(case_id, place.supervisor, "reopen", reason="回头看发现仍有砍伐")
    place.close(case_id, from_state="in_progress")
    assert len(place.rewards_of(case_id)) == 1
    decisions = place.decisions_of(case_id)
    assert [d["closing"] for d in decisions] == [1, 0]
    assert not decisions[0]["eligible"] and decisions[0]["reasons"][-1]["check"] == "one_reward"


def test_a_false_finding_is_recorded_without_a_reward(place):
    _resident, headers = place.resident()
    case_id = place.report(headers)["case_id"]
    place.close(case_id, finding="false")
    assert place.rewards_of(case_id) == []
    [decision] = place.decisions_of(case_id)
    assert [r["check"] for r in decision["reasons"] if not r["passed"]] == ["finding"]


def test_an_officer_of_the_handling_unit_is_excluded(place, users):
    officer_resident = users.make("resident", "officer", unit_code="610923.forestry")
    case_id = place.report(users.headers(officer_resident))["case_id"]
    place.close(case_id)
    assert place.rewards_of(case_id) == []
    [decision] = place.decisions_of(case_id)
    failed = [r for r in decision["reasons"] if not r["passed"]]
    assert [r["check"] for r in failed] == ["not_handling_officer"]


def test_a_case_known_from_video_before_the_report_pays_nothing(place, app):
    with app_ctx(app) as session:
        video = cases.enter_case(session.get(User, place.supervisor), {
            "source": "video", "category": "illegal_logging", "lat": NINGSHAN[0], "lng": NINGSHAN[1],
            "description": "视频监控发现山上砍伐"})
        video_id = video.id
    _resident, headers = place.resident()
    joined = place.report(headers)
    assert joined["case_id"] == video_id
    place.close(video_id)
    assert place.rewards_of(video_id) == []
    [decision] = place.decisions_of(video_id)
    assert [r["check"] for r in decision["reasons"] if not r["passed"]] == ["not_known_before"]
