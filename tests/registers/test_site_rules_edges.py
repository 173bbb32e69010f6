"""A site's own rules at their edges: its file's documents are its own (fetched and cited as evidence only through
their site, either side of its id), a WebP photo is a document and other RIFF files are not, only its own open cases
keep it from being closed off, the list's filters, its units from the responsibility list with their names, and each
site keeping the unit set made for it."""
import io

import pytest
from PIL import Image
from sqlalchemy import select

from reporter.registers.models import Site, SiteCase, SiteUnit
from tests.cases.conftest import NINGSHAN, drive
from tests.conftest import app_ctx
from tests.registers.helpers import post_file, register

EAST_1M = 1 / (111_320 * 0.835)


def _pdf(text: str) -> bytes:
    return f"%PDF-1.4\n% {text}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".encode()


@pytest.fixture()
def three(world) -> list[dict]:
    """Three farmstays 500 m apart (ids in order), each with one document of its file."""
    sites = []
    for n in range(3):
        resp = register(world, code=f"NJL-{n}", geometry={"type": "Point", "coordinates": [
            NINGSHAN[1] + n * 500 * EAST_1M, NINGSHAN[0]]})
        assert resp.status_code == 201, resp.get_json()
        site = resp.get_json()
        doc = post_file(world.client, f"/api/v1/registers/sites/{site['id']}/documents", world.h("county_sup"),
                        _pdf(f"site {n}"), name=f"方案{n}.pdf", title=f"整改方案{n}")
        assert doc.status_code == 201, doc.get_json()
        sites.append({**site, "document": doc.get_json()["id"]})
    assert [s["id"] for s in sites] == sorted(s["id"] for s in sites)
    return sites


def test_a_document_is_fetched_only_through_its_own_site(world, three):
    first, middle, last = three
    path = "/api/v1/registers/sites/{}/documents/{}"
    own = world.client.get(path.format(middle["id"], middle["document"]), headers=world.h("county_sup"))
    assert own.status_code == 200 and own.data == _pdf("site 1")
    for site in (first, last):  # a lower and a higher site id
        got = world.client.get(path.format(site["id"], middle["document"]), headers=world.h("county_sup"))
        assert got.status_code == 404, site["id"]
    missing = world.client.get(path.format(last["id"], last["document"] + 1), headers=world.h("county_sup"))
    assert missing.status_code == 404


def test_evidence_must_be_documents_of_the_site_itself(world, three):
    first, middle, last = three
    state = f"/api/v1/registers/sites/{middle['id']}/state"
    headers = {**world.h("county_sup"), "If-Match": "*"}
    for other in (first, last):
        refused = world.client.post(state, headers=headers, json={
            "state": "rectifying", "reason": "责令整改", "evidence": [other["document"]]})
        assert refused.status_code == 422, other["id"]
        assert "evidence" in refused.get_json()["errors"]["json"]
    done = world.client.post(state, headers=headers, json={"state": "rectifying", "reason": "责令整改",
                                                            "evidence": [middle["document"]]})
    assert done.status_code == 200, done.get_json()


def test_a_webp_photo_is_a_document_and_another_riff_file_is_not(world, three):
    path = f"/api/v1/registers/sites/{three[0]['id']}/documents"
    webp = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 90, 30)).save(webp, "WEBP")
    added = post_file(world.client, path, world.h("county_sup"), webp.getvalue(), name="现场.webp")
    assert added.status_code == 201, added.get_json()
    assert (added.get_json()["content_type"], added.get_json()["filename"]) == ("image/webp", "现场.webp")
    wave = b"RIFF" + (36).to_bytes(4, "little") + b"WAVEfmt " + bytes(28)
    for body in (wave, b"RIFX" + webp.getvalue()[4:], webp.getvalue()[:8] + b"WEBQ" + webp.getvalue()[12:]):
        assert post_file(world.client, path, world.h("county_sup"), body, name="x.webp").status_code == 415


def test_only_the_sites_own_open_cases_keep_it_from_being_closed_off(world, three):
    first, middle, last = three
    drive(world, "accepted", category="illegal_logging")  # open cases of no site, opened before and after it
    open_case = drive(world, "accepted", category="farmstay")
    drive(world, "in_progress", category="illegal_logging")
    with app_ctx(world.app) as session:
        session.add(SiteCase(site_id=middle["id"], case_id=open_case, distance_m=0))
        session.commit()
    headers = {**world.h("county_sup"), "If-Match": "*"}
    for site in (first, last):  # either side of the site with the open case
        closed = world.client.post(f"/api/v1/registers/sites/{site['id']}/state", headers=headers,
                                   json={"state": "shut", "reason": "关停取缔"})
        assert closed.status_code == 200, closed.get_json()
    refused = world.client.post(f"/api/v1/registers/sites/{middle['id']}/state", headers=headers,
                                json={"state": "shut", "reason": "关停取缔"})
    assert refused.status_code == 409 and refused.get_json()["errors"]["open_case_ids"] == [open_case]


def test_the_list_filters_by_kind_county_zone_state_and_words(world, three):
    def listed(**query) -> list[dict]:
        resp = world.client.get("/api/v1/registers/sites", headers=world.h("city_sup"),
                                query_string={"page_size": 50, **query})
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()["items"]

    mine = register(world, kind="mine", code="KS-1", name="城关采石场", operator="宁陕县城关建材有限公司",
                    attributes={"scale": "小型", "producing": True, "green_mine": False})
    assert mine.status_code == 201, mine.get_json()
    everything = listed()
    codes = lambda sites: [s["code"] for s in sites]  # noqa: E731
    assert codes(everything) == ["NJL-0", "NJL-1", "NJL-2", "KS-1"]  # by kind (farmstay, mine), then code
    assert codes(listed(kind="farmstay")) == ["NJL-0", "NJL-1", "NJL-2"] and codes(listed(kind="mine")) == ["KS-1"]
    assert codes(listed(county="610923")) == codes(everything) and listed(county="610902") == []
    for zone in ("core", "key", "general"):
        assert codes(listed(zone=zone)) == [s["code"] for s in everything if s["zone"] == zone], zone
    assert any(codes(listed(zone=zone)) != codes(everything) for zone in ("core", "key", "general"))
    for state in {s["state"] for s in everything}:
        assert codes(listed(state=state)) == [s["code"] for s in everything if s["state"] == state], state
    assert codes(listed(state="operating")) == ["NJL-0", "NJL-1", "NJL-2"] and listed(state="shut") == []
    assert codes(listed(q="NJL-1")) == ["NJL-1"] and codes(listed(q="秦岭人家")) == ["NJL-0", "NJL-1", "NJL-2"]
    assert codes(listed(q="采石")) == ["KS-1"]
    assert listed(q="%") == [] and listed(q="_") == []  # a LIKE wildcard is a character, not a wildcard


def test_a_site_answers_to_its_units_by_name_each_once_and_each_set_kept(world):
    made = {}
    for kind, code, extra in (
            ("farmstay", "NJL-9", {}),
            ("mine", "KS-9", {"attributes": {"scale": "小型", "producing": True, "green_mine": False}}),
            ("sewage_outfall", "PWK-9", {"attributes": {"river": "长安河", "outfall_type": "城镇生活"},
                                         "operator": None}),
            ("scenic_building", "JQ-9", {"attributes": {"scenic_area": "宁陕城关景区", "scenic_level": "4A"},
                                         "operator": None})):
        resp = register(world, kind=kind, code=code, **extra)
        assert resp.status_code == 201, resp.get_json()
        made[kind] = resp.get_json()
    for kind, site in made.items():
        units = site["units"]
        routed = world.client.post("/api/v1/routing/preview", headers=world.h("county_sup"), json={
            "category": site["kind"] if kind != "mine" else "illegal_mining",
            "location": {"lat": NINGSHAN[0], "lng": NINGSHAN[1]}}).get_json()
        expected = {}  # each unit once, in its strongest relation: lead, cooperating, supervising, government
        for relation, found in (("government", [routed["government_unit"]] if routed["government_unit"] else []),
                                ("supervising", routed["supervising_units"]),
                                ("cooperating", routed["cooperating_units"]), ("lead", routed["lead_units"])):
            expected.update({u["id"]: relation for u in found})
        assert {u["id"]: u["relation"] for u in units} == expected, kind
        assert units and all(u["name"] and u["code"] for u in units), kind
        assert len({u["id"] for u in units}) == len(units), kind  # each unit once, in its strongest relation
        assert [u["id"] for u in units] == sorted(u["id"] for u in units), kind
        assert "lead" in {u["relation"] for u in units}, kind
        got = world.client.get(f"/api/v1/registers/sites/{site['id']}", headers=world.h("county_sup")).get_json()
        assert got["units"] == units, kind
    with app_ctx(world.app) as session:  # four lists, four sets, each site with its own
        sets = {kind: session.get(Site, site["id"]).unit_set for kind, site in made.items()}
        assert len(set(sets.values())) == len(made)
        for kind, name in sets.items():
            rows = session.execute(select(SiteUnit.unit_id, SiteUnit.relation).where(SiteUnit.unit_set == name)).all()
            assert sorted(rows) == sorted((u["id"], u["relation"]) for u in made[kind]["units"]), kind


def test_the_history_numbers_its_entries_and_names_who_acted_as_what(world, users, three):
    site = three[0]
    lead = next(u for u in site["units"] if u["relation"] == "lead")
    officer = users.make("officer", unit_code=lead["code"])
    moved = world.client.post(f"/api/v1/registers/sites/{site['id']}/state", json={
        "state": "rectifying", "reason": "责令整改"}, headers={**users.headers(officer), "If-Match": "*"})
    assert moved.status_code == 200, moved.get_json()
    edited = world.client.patch(f"/api/v1/registers/sites/{site['id']}", json={"name": "秦岭人家（整改中）"},
                                headers={**world.h("county_sup"), "If-Match": "*"})
    assert edited.status_code == 200, edited.get_json()
    moved_point = {"type": "Point", "coordinates": [NINGSHAN[1] + 30 * EAST_1M, NINGSHAN[0]]}
    placed = world.client.patch(f"/api/v1/registers/sites/{site['id']}", json={"geometry": moved_point},
                                headers={**world.h("county_sup"), "If-Match": "*"})
    assert placed.status_code == 200, placed.get_json()
    events = world.client.get(f"/api/v1/registers/sites/{site['id']}/history",
                              headers=world.h("county_sup")).get_json()["events"]
    assert [(e["action"], e["actor_role"]) for e in events] == [
        ("register", "supervisor"), ("state", "officer"), ("edit", "supervisor"), ("edit", "supervisor")]
    seqs = [e["seq"] for e in events]  # the site's version each entry made it: from 1, rising
    assert seqs[:2] == [1, 2] and seqs == sorted(set(seqs))
    assert "geometry" not in events[2]["data"]["changes"] and events[2]["data"]["changes"]["name"]
    assert "geometry" in events[3]["data"]["changes"]
