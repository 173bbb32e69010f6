"""The worked example: item 6's farmstay campaign (农家乐（民宿）集中整治), core and key zones due 08-31, the general
zone 12-31, run from a register of eight farmstays in 宁陕 and 汉滨 through both deadlines to its figures.

Every number below is worked out by hand in the comments from the dated steps; the progress is "as of" a day and
reproducible: asking again later for 2022-08-31 gives the same figures.

    site   county zone    outcome  registered  steps (CST days)
    NS-01  宁陕   core    关停取缔  04-20       排查 05-10, 整改 05-20 (→07-31), 验收 07-25, 销号 08-10
    NS-02  宁陕   key     提升改造  04-20       排查 05-12, 整改 05-25 (→08-20), 验收 09-05, 销号 09-10
    NS-03  宁陕   key     —        04-20       排查 06-01 nothing to rectify, 销号 06-15
    NS-04  宁陕   general 提升改造  04-20       排查 07-05 (late, due 06-30), 整改 07-10 (→11-30), 验收 11-20,
                                               销号 12-05
    NS-05  宁陕   general 提升改造  09-15       排查 09-20, 整改 09-25 (→12-20), 验收 12-15, 销号 12-28
    HB-01  汉滨   key     关停取缔  04-20       排查 06-20, 整改 06-25 (→08-25), then nothing
    HB-02  汉滨   general 关停取缔  04-20       排查 06-28, 整改 07-01 (→10-31), 验收 10-20, 销号 10-25
    HB-03  汉滨   general 提升改造  04-20       nothing
"""
from datetime import UTC, date, datetime

from sqlalchemy import update

from reporter.accounts.models import User
from reporter.registers import campaigns
from reporter.registers.models import Site
from tests.conftest import app_ctx
from tests.registers.helpers import post_file, xlsx

CORE_NS, KEY_NS, GENERAL_NS = (33.51, 108.07), (33.3125, 108.3140), (33.13, 108.47)
KEY_HB, GENERAL_HB = (33.16, 108.64), (32.85, 108.72)
HEADERS = ["编号", "名称", "运营单位", "纬度", "经度", "坐标系", "范围(GeoJSON)", "地址", "状态", "存在问题",
           "处置方式", "床位数"]
REGISTER = [
    ("NS-01", "云岭山庄", "宁陕县云岭山庄有限公司", *CORE_NS, "侵占河道、压占林地", "关停取缔"),
    ("NS-02", "溪畔人家", "宁陕县溪畔农家乐", *KEY_NS, "乱排乱放", "提升改造"),
    ("NS-03", "松涛小院", "宁陕县松涛民宿", *KEY_NS, "", ""),
    ("NS-04", "秦岭驿站", "宁陕县秦岭驿站民宿有限公司", *GENERAL_NS, "占用道路", "提升改造"),
    ("NS-05", "月河客栈", "宁陕县月河客栈", *GENERAL_NS, "违规经营", "提升改造"),
    ("HB-01", "汉水渔家", "汉滨区汉水渔家农家乐", *KEY_HB, "侵占河道", "关停取缔"),
    ("HB-02", "茶香农庄", "汉滨区茶香农庄有限公司", *GENERAL_HB, "压占林地", "关停取缔"),
    ("HB-03", "竹林人家", "汉滨区竹林人家", *GENERAL_HB, "乱排乱放", "提升改造"),
]
CAMPAIGN = {"name": "2022年农家乐（民宿）集中整治", "kind": "farmstay", "counties": ["610923", "610902"],
            "starts_on": "2022-04-14", "ends_on": "2022-12-31",
            "milestones": [{"step": "survey", "zone": None, "due_on": "2022-06-30"},
                           {"step": "close", "zone": "core", "due_on": "2022-08-31"},
                           {"step": "close", "zone": "key", "due_on": "2022-08-31"},
                           {"step": "close", "zone": None, "due_on": "2022-12-31"}],
            "targets": [{"name": "关停取缔到位≥2家", "measure": "count", "threshold": 2,
                         "where": {"outcome": "关停取缔"}, "step": "close"}]}


def _noon(month, day) -> datetime:
    return datetime(2022, month, day, 4, tzinfo=UTC)  # 12:00 in Beijing


def _steps():
    # (site, step, month, day, who, data)
    ns, hb = ("county_sup", "ns_officer"), ("other_county_sup", "hb_officer")
    rectify = lambda m, d: {"measures": "拆除违建、截污纳管", "deadline": date(2022, m, d)}  # noqa: E731
    return [
        ("NS-01", "survey", 5, 10, ns[0], {}), ("NS-01", "rectify", 5, 20, ns[1], rectify(7, 31)),
        ("NS-01", "accept", 7, 25, ns[0], "photo"), ("NS-01", "close", 8, 10, ns[0], {}),
        ("NS-02", "survey", 5, 12, ns[0], {}), ("NS-02", "rectify", 5, 25, ns[1], rectify(8, 20)),
        ("NS-03", "survey", 6, 1, ns[0], {"compliant": True}), ("NS-03", "close", 6, 15, ns[0], {}),
        ("HB-01", "survey", 6, 20, hb[0], {}), ("HB-01", "rectify", 6, 25, hb[1], rectify(8, 25)),
        ("HB-02", "survey", 6, 28, hb[0], {}), ("HB-02", "rectify", 7, 1, hb[1], rectify(10, 31)),
        ("NS-04", "survey", 7, 5, ns[0], {}), ("NS-04", "rectify", 7, 10, ns[1], rectify(11, 30)),
        ("NS-02", "accept", 9, 5, ns[0], "photo"), ("NS-02", "close", 9, 10, ns[0], {}),
        ("NS-05", "survey", 9, 20, ns[0], {}), ("NS-05", "rectify", 9, 25, ns[1], rectify(12, 20)),
        ("HB-02", "accept", 10, 20, hb[0], "photo"), ("HB-02", "close", 10, 25, hb[0], {}),
        ("NS-04", "accept", 11, 20, ns[0], "photo"), ("NS-04", "close", 12, 5, ns[0], {}),
        ("NS-05", "accept", 12, 15, ns[0], "photo"), ("NS-05", "close", 12, 28, ns[0], {}),
    ]


def _row(sites, surveyed, rectifying, accepted, closed, overdue, closed_pct):
    return {"sites": sites, "surveyed": surveyed, "rectifying": rectifying, "accepted": accepted, "closed": closed,
            "overdue": overdue, "closed_pct": closed_pct}


def test_the_farmstay_campaign_through_both_zone_deadlines(world, users):
    imported = post_file(world.client, "/api/v1/registers/site-kinds/farmstay/import", world.h("city_sup"),
                         xlsx(HEADERS, *[(c, n, o, lat, lng, "", None, None, "", p, out, None)
                                         for c, n, o, lat, lng, p, out in REGISTER]))
    assert imported.get_json()["created"] == 8, imported.get_json()
    with app_ctx(world.app) as session:  # the register as it was imported in 2022
        session.execute(update(Site).values(created_at=datetime(2022, 4, 20, 2, tzinfo=UTC)))
        session.execute(update(Site).where(Site.code == "NS-05").values(created_at=datetime(2022, 9, 15, 2,
                                                                                               tzinfo=UTC)))
        session.commit()
    sites = {s["code"]: s for s in world.client.get("/api/v1/registers/sites", headers=world.h("city_sup"),
                                                    query_string={"page_size": 100}).get_json()["items"]}
    assert {c: (s["county_adcode"], s["zone"]) for c, s in sites.items()} == {
        "NS-01": ("610923", "core"), "NS-02": ("610923", "key"), "NS-03": ("610923", "key"),
        "NS-04": ("610923", "general"), "NS-05": ("610923", "general"), "HB-01": ("610902", "key"),
        "HB-02": ("610902", "general"), "HB-03": ("610902", "general")}
    lead = {}
    for code in ("NS-01", "HB-01"):
        detail = world.client.get(f"/api/v1/registers/sites/{sites[code]['id']}", headers=world.h("city_sup"))
        lead[code[:2]] = next(u for u in detail.get_json()["units"] if u["relation"] == "lead")
    world.ids["ns_officer"] = users.make("officer", unit_code=lead["NS"]["code"])
    world.ids["hb_officer"] = users.make("officer", unit_code=lead["HB"]["code"])

    created = world.client.post("/api/v1/registers/campaigns", json=CAMPAIGN, headers=world.h("city_sup"))
    assert created.status_code == 201, created.get_json()
    campaign_id = created.get_json()["id"]
    for code, step, month, day, who, data in _steps():
        if data == "photo":
            data = {"photo_ids": [world.upload(who)], "note": "现场验收：已拆除，河道恢复"}
        with app_ctx(world.app) as session:
            campaigns.record_step(campaign_id, sites[code]["id"], step, session.get(User, world.ids[who]), data,
                                  at=_noon(month, day))

    def progress(day: str) -> dict:
        resp = world.client.get(f"/api/v1/registers/campaigns/{campaign_id}/progress", headers=world.h("city_sup"),
                                query_string={"as_of": day})
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()

    # 08-31, the core and key zones' deadline. Seven farmstays registered (NS-05 comes in September).
    # Surveyed: all but HB-03 → 6. Rectifying (整改 recorded, 验收 not yet): NS-02, NS-04, HB-01, HB-02 → 4.
    # Accepted: NS-01 → 1. Closed off: NS-01, NS-03 (nothing to rectify) → 2 of 7 = 28.6 %.
    # Overdue: NS-02 (验收 due 08-20, its 整改 deadline), HB-01 (验收 due 08-25), HB-03 (排查 due 06-30) → 3;
    # NS-02 and HB-01 are not yet late for 销号: 08-31 is their last day.
    august = progress("2022-08-31")
    assert august["totals"] == _row(7, 6, 4, 1, 2, 3, 28.6)
    assert {c["adcode"]: {k: v for k, v in c.items() if k not in ("adcode", "name")} for c in august["counties"]} == {
        "610923": _row(4, 4, 2, 1, 2, 1, 50.0),   # NS-01..04; overdue NS-02
        "610902": _row(3, 2, 2, 0, 0, 2, 0.0)}    # HB-01..03; overdue HB-01, HB-03
    # Milestones: 排查 by 06-30 for all seven: met NS-01 05-10, NS-02 05-12, NS-03 06-01, HB-01 06-20, HB-02 06-28;
    # missed NS-04 (07-05) and HB-03 (none). 销号 by 08-31 in the core zone: NS-01 met. In the key zone: NS-03 met,
    # NS-02 and HB-01 still have today. In the general zone (12-31): NS-04, HB-02, HB-03 pending.
    assert [(m["step"], m["zone"], m["due_on"], m["sites"], m["met"], m["missed"], m["pending"])
            for m in august["milestones"]] == [
        ("survey", None, "2022-06-30", 7, 5, 2, 0), ("close", "core", "2022-08-31", 1, 1, 0, 0),
        ("close", "key", "2022-08-31", 3, 1, 0, 2), ("close", None, "2022-12-31", 3, 0, 0, 3)]
    # 关停取缔 closed off: NS-01 → 1 < 2.
    assert [(t["count"], t["of"], t["value"], t["met"]) for t in august["targets"]] == [(1, 7, 1, False)]

    # The next day NS-02 and HB-01 have missed the key zone's 销号 deadline.
    september = progress("2022-09-01")
    assert [(m["met"], m["missed"], m["pending"]) for m in september["milestones"]][2] == (1, 2, 0)
    assert september["totals"]["overdue"] == 3

    # 12-31, the general zone's deadline. Eight farmstays. Closed off: NS-01, NS-02 (09-10), NS-03, NS-04 (12-05),
    # HB-02 (10-25), NS-05 (12-28) → 6 of 8 = 75 %. Accepted: NS-01, NS-02, NS-04, HB-02, NS-05 → 5.
    # Rectifying: HB-01. Surveyed: all but HB-03 → 7. Overdue: HB-01 (验收 08-25, 销号 08-31), HB-03 (排查) → 2.
    december = progress("2022-12-31")
    assert december["totals"] == _row(8, 7, 1, 5, 6, 2, 75.0)
    assert {c["adcode"]: c["closed_pct"] for c in december["counties"]} == {"610923": 100.0, "610902": 33.3}
    # 排查 by 06-30 now for eight: NS-05 (09-20) is late too → met 5, missed 3. Key zone: NS-02 closed late (09-10)
    # and HB-01 never → missed 2. General zone: NS-04, HB-02, NS-05 met; HB-03 has today → pending 1.
    assert [(m["sites"], m["met"], m["missed"], m["pending"]) for m in december["milestones"]] == [
        (8, 5, 3, 0), (1, 1, 0, 0), (3, 1, 2, 0), (4, 3, 0, 1)]
    # 关停取缔 closed off: NS-01, HB-02 → 2 ≥ 2 (HB-01 is still open).
    assert [(t["count"], t["met"]) for t in december["targets"]] == [(2, True)]
    # Per lead unit: neither county has a culture and tourism bureau, so the city's 市文旅广电局 leads all eight.
    assert [(u["name"], {k: v for k, v in u.items() if k not in ("unit_id", "name")}) for u in december["units"]] == [
        ("市文旅广电局", december["totals"])]

    assert progress("2022-08-31") == august  # reproducible: nothing recorded later changes a past day

    # A county's supervisors see their county's figures only.
    own = world.client.get(f"/api/v1/registers/campaigns/{campaign_id}/progress", headers=world.h("other_county_sup"),
                           query_string={"as_of": "2022-12-31"}).get_json()
    assert [c["adcode"] for c in own["counties"]] == ["610902"] and own["totals"]["sites"] == 3

    # The monthly bulletin of August 2022 carries the campaign's table, as of 08-31.
    bulletin = world.client.get("/api/v1/stats/monthly", headers=world.h("city_sup"),
                                query_string={"month": "2022-08"}).get_json()
    rows = {r["adcode"]: r for r in bulletin["campaigns"]}
    assert (rows["610923"]["closed"], rows["610902"]["overdue"], rows["610923"]["as_of"]) == (2, 2, "2022-08-31")
