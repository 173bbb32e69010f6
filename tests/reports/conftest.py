"""A small town for report tests: residents signed in through the WeChat stand-in, the staff of 宁陕县 and the city,
real photos uploaded over HTTP, and helpers to submit reports and drive their cases."""
import io
import itertools
from dataclasses import dataclass, field

import numpy as np
import pytest
from PIL import Image

from reporter.accounts.models import User
from reporter.cases import services as cases
from tests.conftest import app_ctx, consent_over_http
from tests.media.images import exif

NINGSHAN = (33.3125, 108.3140)  # 宁陕县城, WGS-84
FAR_AWAY = (33.3400, 108.3400)  # 宁陕县, about 3.8 km from NINGSHAN
_seq = itertools.count(1)
_seeds = itertools.count(1000)


def photo_bytes(seed: int | None = None, **exif_facts) -> bytes:
    """A JPEG of random texture (its perceptual hash differs from every other one), with optional EXIF."""
    rng = np.random.default_rng(next(_seeds) if seed is None else seed)
    im = Image.fromarray(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8), "RGB").resize((256, 192))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=90, exif=exif(**exif_facts) if exif_facts else Image.Exif())
    return out.getvalue()


def report_body(photo_ids, *, where=NINGSHAN, category="illegal_logging", **extra) -> dict:
    """A valid POST /reports body."""
    return {"category": category, "description": "山上有人在砍伐树木，已经砍倒好几棵",
            "location": {"lat": where[0], "lng": where[1], "address": "宁陕县城关镇"},
            "photo_ids": list(photo_ids), "anonymous": False, "wants_reward": True,
            "contact": {"name": "张三", "phone": "13800138000"}, **extra}


RESULT = {"finding": "true", "measures": "已责令停止砍伐并补种", "photo_ids": []}


@dataclass
class Town:
    app: object
    client: object
    users: object
    wechat: object
    ids: dict = field(default_factory=dict)
    _headers: dict = field(default_factory=dict)

    def h(self, who) -> dict:
        if who not in self._headers:
            self._headers[who] = self.users.headers(self.ids[who])
        return self._headers[who]

    def resident(self, name: str, *, consent: bool = True) -> dict:
        """A resident signed in as the mini-program does it (wx.login code → tokens) who accepted the privacy notice
        (unless `consent` is False); their headers."""
        code = f"code-{name}-{next(_seq)}"
        self.wechat.login_code(code, f"openid-{name}")
        resp = self.client.post("/api/v1/auth/wechat", json={"code": code})
        assert resp.status_code == 200, resp.get_json()
        body = resp.get_json()
        self.ids[name] = body["user"]["id"]
        self._headers[name] = {"Authorization": f"Bearer {body['access_token']}"}
        if consent:
            consent_over_http(self.client, self._headers[name])
        return self._headers[name]

    def upload(self, who: str, purpose: str = "report", data: bytes | None = None) -> str:
        """A photo through POST /uploads, as wx.uploadFile sends it; its id."""
        resp = self.client.post("/api/v1/uploads", headers=self.h(who), content_type="multipart/form-data",
                                data={"file": (io.BytesIO(data or photo_bytes()), "photo.jpg"), "purpose": purpose})
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()["id"]

    def submit(self, who: str, photos: int = 1, *, key: str | None = None, **body):
        """POST /reports with freshly uploaded photos."""
        ids = [self.upload(who) for _ in range(photos)]
        headers = {**self.h(who), **({"Idempotency-Key": key} if key else {})}
        return self.client.post("/api/v1/reports", json=report_body(ids, **body), headers=headers)

    def act(self, case_id: int, who: str, action: str, **payload) -> str:
        """A case action through HTTP with the current ETag; the new state."""
        etag = self.client.get(f"/api/v1/cases/{case_id}", headers=self.h("city_sup")).headers["ETag"]
        resp = self.client.post(f"/api/v1/cases/{case_id}/actions", json={"action": action, **payload},
                                headers={**self.h(who), "If-Match": etag})
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()["state"]

    def close(self, case_id: int, *, to_officers_unit: bool = False) -> None:
        """Drive a submitted case through every stage to closed, as the people allowed to (dispatched where the
        list routes it, or — for categories another unit leads — to the officer's unit, overruling the list)."""
        dispatch = {}
        if to_officers_unit:
            dispatch = {"unit_id": self.query(lambda s: s.get(User, self.ids["officer"]).unit_id),
                        "override_reason": "由林业局牵头整治"}
        for who, action, payload in (("city_sup", "accept", {}), ("city_sup", "dispatch", dispatch),
                                     ("officer", "sign", {}),
                                     ("officer", "submit_result", {**RESULT, "photo_ids": [self.upload(
                                         "officer", "evidence")]}),
                                     ("city_sup", "verify", {"result": "pass"}),
                                     ("city_sup", "close", {"public_comment": "已责令停止砍伐并补种树苗"})):
            self.act(case_id, who, action, **payload)

    def do(self, case_id: int, who: str, action: str, **payload) -> str:
        """A case action through the service (quick set-up)."""
        with app_ctx(self.app) as session:
            return cases.perform(case_id, action, session.get(User, self.ids[who]), payload,
                                 expected_version=None).state

    def query(self, fn):
        """Run fn(session) in an app context (reading the database directly)."""
        with app_ctx(self.app) as session:
            return fn(session)


@pytest.fixture()
def town(app, client, users, wechat):
    t = Town(app, client, users, wechat)
    for name, roles, unit in [
        ("city_sup", ("supervisor",), "city.qinling_office"),
        ("other_county_sup", ("supervisor",), "610902.qinling_office"),
        ("officer", ("officer",), "610923.forestry"),
        ("reward_officer", ("reward_officer",), None),
        ("admin", ("admin",), None),
    ]:
        t.ids[name] = users.make(*roles, unit_code=unit)
    return t


