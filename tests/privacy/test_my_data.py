"""A copy of one's own data: one JSON document of everything held about the resident (with links to their photos),
and the same as a ZIP with the photos; nothing about other people, nothing staff-internal."""
import io
import json
import zipfile

from PIL import Image

from tests.rewards.support import claim_body

DATA = "/api/v1/me/data"


def test_the_copy_holds_everything_about_the_resident_and_nothing_else(app, client, town, desk):
    headers = town.resident("wang")
    other = town.resident("li")
    report = town.submit("wang").get_json()
    client.post(f"/api/v1/reports/{report['id']}/supplements", json={"text": "又砍了两棵，在河边"}, headers=headers)
    duplicate = town.submit("li", contact={"name": "李四", "phone": "13900001111"}).get_json()
    assert duplicate["case_id"] == report["case_id"]  # another person's report of the same case
    case_id = report["case_id"]
    town.act(case_id, "city_sup", "accept", internal_comment="内部备注：举报人可能是老上访户")
    town.act(case_id, "city_sup", "dispatch")
    town.act(case_id, "officer", "sign")
    town.act(case_id, "officer", "submit_result", finding="true", measures="已责令停止砍伐并补种",
             photo_ids=[town.upload("officer", "evidence")])
    town.act(case_id, "city_sup", "verify", result="pass")
    town.act(case_id, "city_sup", "close", public_comment="已责令停止砍伐并补种树苗")
    client.post(f"/api/v1/reports/{report['id']}/feedback", json={"rating": 4, "comment": "处理及时"}, headers=headers)
    [case_reward] = client.get(f"/api/v1/rewards?case_id={case_id}", headers=desk.officer_h).get_json()["items"]
    reward_id = case_reward["id"]  # the first reporter's; the duplicate's reporter gets none
    desk.to_notified(reward_id, 50_000)
    client.post(f"/api/v1/rewards/{reward_id}/claim", json=claim_body(),
                headers={**headers, "If-Match": desk.etag(reward_id)})

    copy = client.get(DATA, headers=headers)
    assert copy.status_code == 200
    doc = copy.get_json()
    assert doc["account"]["id"] == town.ids["wang"] and doc["account"]["roles"] == ["resident"]
    assert [c["notice_version"] for c in doc["consents"]] == [1]
    [mine] = doc["reports"]
    assert mine["id"] == report["id"] and mine["contact"] == {"name": "张三", "phone": "13800138000"}
    assert [s["text"] for s in mine["supplements"]] == ["又砍了两棵，在河边"]
    assert mine["feedback"]["rating"] == 4 and mine["feedback"]["comment"] == "处理及时"
    assert mine["timeline"][-1]["status"] == "closed" and mine["photos"][0]["url"]
    [reward] = doc["rewards"]
    assert reward["id"] == reward_id and reward["payee"]["id_number"] == claim_body()["id_number"]
    assert {n["kind"] for n in doc["notifications"]} >= {"reward_decided"}
    assert len(doc["photos"]) == 1 and "/api/v1/uploads/" in doc["photos"][0]["url"]
    text = copy.get_data(as_text=True)
    for foreign in ("李四", "13900001111", duplicate["id"], "内部备注", "flags", "reporter_id", "openid"):
        assert foreign not in text, foreign
    assert client.get(DATA, headers=other).get_json()["reports"][0]["id"] == duplicate["id"]


def test_the_zip_bundles_the_document_and_the_photos(client, town):
    headers = town.resident("zhao")
    town.submit("zhao", photos=2)
    document = client.get(DATA, headers=headers).get_json()
    bundle = client.get(f"{DATA}?format=zip", headers=headers)
    assert bundle.status_code == 200 and bundle.mimetype == "application/zip"
    assert "attachment" in bundle.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(bundle.data)) as archive:
        inside = json.loads(archive.read("data.json"))
        assert [r["id"] for r in inside["reports"]] == [r["id"] for r in document["reports"]]
        names = sorted(n for n in archive.namelist() if n.startswith("photos/"))
        assert names == sorted(f"photos/{p['id']}.jpg" for p in document["photos"]) and len(names) == 2
        for name in names:
            assert Image.open(io.BytesIO(archive.read(name))).format == "JPEG"


def test_only_residents_have_a_copy_here(client, town):
    assert client.get(DATA, headers=town.h("city_sup")).status_code == 403
    assert client.get(DATA).status_code == 401
    headers = town.resident("sun")
    bad = client.get(f"{DATA}?format=pdf", headers=headers)
    assert bad.status_code == 422
