"""A small world for case tests: the people of one county and the city, and helpers to open and drive cases."""
import io
from dataclasses import dataclass, field

import pytest
from PIL import Image
from sqlalchemy import select

from reporter.accounts.models import User
from reporter.cases import services
from reporter.cases.models import Case
from reporter.extensions import db
from reporter.org.models import Unit
from tests.conftest import app_ctx

NINGSHAN = (33.3125, 108.3140)  # 宁陕县城, WGS-84
HANBIN = (32.9000, 108.9000)    # 汉滨区, in the general protection zone, WGS-84
STAFF_ENTRY = {"source": "video", "category": "illegal_logging", "description": "监控发现有人在林区砍伐树木",
               "location": {"lat": NINGSHAN[0], "lng": NINGSHAN[1], "address": "宁陕县城关镇"}}


def etag_of(resp) -> str:
    return resp.headers["ETag"]


@dataclass
class World:
    app: object
    client: object
    users: object
    ids: dict = field(default_factory=dict)
    _headers: dict = field(default_factory=dict)

    def __getattr__(self, name):
        ids = self.__dict__.get("ids", {})
        if name in ids:
            return ids[name]
        raise AttributeError(name)

    def h(self, who) -> dict:
        uid = self.ids[who] if isinstance(who, str) else who
        if uid not in self._headers:
            self._headers[uid] = self.users.headers(uid)
        return self._headers[uid]

    def user(self, who) -> User:
        return db.session.get(User, self.ids[who])

    def open(self, *, state="submitted", source="video", category="illegal_logging", at=None, where=NINGSHAN,
             by="city_sup", **extra) -> int:
        """Open a case through the service (as reports and patrols do) and commit it."""
        with app_ctx(self.app) as session:
            actor = session.get(User, self.ids[by])
            case = services.open_case(source=source, category=category, lat=where[0], lng=where[1],
                                      description=extra.pop("description", "林区有人砍伐"), actor=actor,
                                      state=state, at=at, **extra)
            session.commit()
            return case.id

    def case(self, case_id) -> Case:
        with app_ctx(self.app) as session:
            case = session.get(Case, case_id)
            session.expunge(case)
            return case

    def get(self, case_id, who="city_sup", **query):
        return self.client.get(f"/api/v1/cases/{case_id}", headers=self.h(who), query_string=query)

    def act(self, case_id, who, action, *, if_match=True, **payload):
        """Take an action over HTTP with the current ETag (read as a city supervisor, who sees everything)."""
        headers = dict(self.h(who))
        if if_match is True:
            headers["If-Match"] = etag_of(self.get(case_id))
        elif if_match:
            headers["If-Match"] = if_match
        return self.client.post(f"/api/v1/cases/{case_id}/actions", json={"action": action, **payload},
                                headers=headers)

    def do(self, case_id, who, action, **payload):
        """Take an action through the service (fast set-up of a state)."""
        with app_ctx(self.app) as session:
            return services.perform(case_id, action, session.get(User, self.ids[who]), payload,
                                    expected_version=None).state

    def upload(self, who, purpose="evidence") -> str:
        """A real JPEG through the upload endpoint; its id."""
        buf = io.BytesIO()
        Image.new("RGB", (64, 48), (30, 120, 40)).save(buf, "JPEG")
        buf.seek(0)
        resp = self.client.post("/api/v1/uploads", headers=self.h(who), content_type="multipart/form-data",
                                data={"file": (buf, "photo.jpg"), "purpose": purpose})
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()["id"]


# Paths from a fresh case to each state, taken by the people allowed to.
RESULT_FALSE = {"finding": "false", "measures": "现场核实无砍伐痕迹", "reason": "举报地点为合法采伐许可区域"}
TO_STATE = {
    "submitted": [],
    "accepted": [("city_sup", "accept", {})],
    "dispatched": [("city_sup", "accept", {}), ("city_sup", "dispatch", {})],
    "in_progress": [("city_sup", "accept", {}), ("city_sup", "dispatch", {}), ("officer", "sign", {})],
    "pending_verification": [("city_sup", "accept", {}), ("city_sup", "dispatch", {}), ("officer", "sign", {}),
                             ("officer", "submit_result", RESULT_FALSE)],
    "verified": [("city_sup", "accept", {}), ("city_sup", "dispatch", {}), ("officer", "sign", {}),
                 ("officer", "submit_result", RESULT_FALSE), ("inspector", "verify", {"result": "pass"})],
    "closed": [("city_sup", "accept", {}), ("city_sup", "dispatch", {}), ("officer", "sign", {}),
               ("officer", "submit_result", RESULT_FALSE), ("inspector", "verify", {"result": "pass"}),
               ("city_sup", "close", {})],
    "rejected": [("city_sup", "reject", {"reason_code": "insufficient"})],
}


def drive(world: World, state: str, *, officer="officer", inspector="inspector", **open_kwargs) -> int:
    """A case in the given state (handled by `officer`, verified by `inspector`)."""
    case_id = world.open(**open_kwargs)
    people = {"officer": officer, "inspector": inspector}
    for who, action, payload in TO_STATE[state]:
        world.do(case_id, people.get(who, who), action, **payload)
    assert world.case(case_id).state == state
    return case_id


@pytest.fixture()
def world(app, client, users):
    from reporter.geo.services import assign_inspector, locate

    w = World(app, client, users)
    for name, roles, unit in [
        ("city_sup", ("supervisor",), "city.qinling_office"),
        ("county_sup", ("supervisor",), "610923.qinling_office"),
        ("other_county_sup", ("supervisor",), "610902.qinling_office"),
        ("officer", ("officer",), "610923.forestry"),          # the unit illegal logging in 宁陕 goes to
        ("city_officer", ("officer",), "city.forestry"),        # the city bureau supervising it: reads only
        ("other_officer", ("officer",), "610902.forestry"),     # another county's bureau: sees nothing
        ("water_officer", ("officer",), "610923.water"),        # an override target
        ("inspector", ("inspector",), None),
        ("other_inspector", ("inspector",), None),
        ("auditor", ("auditor",), None),
        ("admin", ("admin",), None),
    ]:
        w.ids[name] = users.make(*roles, unit_code=unit)
    with app_ctx(app) as session:
        grid_id = locate(*NINGSHAN).grid_id
        assert grid_id is not None
        assign_inspector(grid_id, w.ids["inspector"])
        other_grid = locate(*HANBIN).grid_id
        assign_inspector(other_grid, w.ids["other_inspector"])
        session.commit()
        w.ids["grid_id"] = grid_id
        w.ids["unit"] = dict(session.execute(select(Unit.code, Unit.id)).all())
    return w
