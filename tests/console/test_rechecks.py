"""回头看 at the console over the test client: a supervisor schedules it with the form, the grid's inspector records
what they found (failed reopens the case), the pages equal the API, and roles, scope and CSRF hold."""
from datetime import timedelta

from reporter.common.timeutil import cst_date, utcnow
from tests.console.conftest import csrf_of
from tests.registers.test_rechecks import _closed

DUE = (cst_date(utcnow()) + timedelta(days=10)).isoformat()


def _post(desk, path, data, page="/console/registers/rechecks"):
    return desk.client.post(path, data={**data, "csrf_token": csrf_of(desk.client.get(page).get_data(as_text=True))})


def test_a_supervisor_schedules_and_the_inspector_confirms_one_and_fails_the_other(world, desk):
    first = _closed(world, source="audit", external_ref="审计-1")
    second = _closed(world, source="audit", external_ref="审计-2")
    _closed(world)  # another source: not in this 回头看
    sup, inspector, other = desk("county_sup"), desk("inspector"), desk("other_inspector")

    refused = _post(sup, "/console/registers/rechecks/new", {"title": "审计问题整改回头看", "source": "audit"})
    assert refused.status_code == 422 and 'id="err-due_on"' in refused.get_data(as_text=True)
    made = _post(sup, "/console/registers/rechecks/new",
                 {"title": "审计问题整改回头看", "source": "audit", "due_on": DUE})
    assert made.status_code == 302
    batch_id = int(made.headers["Location"].rsplit("/", 1)[1])
    api = world.client.get(f"/api/v1/registers/rechecks/{batch_id}", headers=world.h("county_sup")).get_json()
    assert sorted(i["case_id"] for i in api["items"]) == [first, second]
    again = _post(sup, "/console/registers/rechecks/new", {"title": "再看一次", "source": "audit", "due_on": DUE})
    assert again.status_code == 409 and "都已在回头看中" in again.get_data(as_text=True)

    tasks = inspector.client.get("/console/registers/rechecks").get_data(as_text=True)
    items = {i["case_id"]: i["id"] for i in api["items"]}
    assert all(f'data-item-id="{items[c]}"' in tasks for c in (first, second)) and "安排回头看" not in tasks
    assert "待复核（0）" in other.client.get("/console/registers/rechecks").get_data(as_text=True)
    assert _post(other, f"/console/registers/rechecks/items/{items[first]}",
                 {"result": "confirmed"}).status_code == 404  # not their grid

    assert _post(inspector, f"/console/registers/rechecks/items/{items[first]}", {"note": "x"}).status_code == 422
    ok = _post(inspector, f"/console/registers/rechecks/items/{items[first]}",
               {"result": "confirmed", "note": "现场复核，违建已拆除", "batch_id": str(batch_id)})
    assert ok.status_code == 302 and ok.headers["Location"].endswith(f"/console/registers/rechecks/{batch_id}")
    failed = _post(inspector, f"/console/registers/rechecks/items/{items[second]}",
                   {"result": "failed", "note": "又见堆放"})
    assert failed.status_code == 302
    assert world.case(second).state != "closed" and world.case(first).state == "closed"  # failed reopens it
    page = sup.client.get(f"/console/registers/rechecks/{batch_id}").get_data(as_text=True)
    assert "共 2 件：待复核 0，整改到位 1，未到位 1。" in page and "现场复核，违建已拆除" in page
    twice = _post(inspector, f"/console/registers/rechecks/items/{items[first]}", {"result": "failed"})
    assert twice.status_code == 409 and world.case(first).state == "closed"


def test_roles_scope_and_csrf(world, desk):
    _closed(world, source="audit", external_ref="审计-3")
    officer, auditor, other_sup = desk("officer"), desk("auditor"), desk("other_county_sup")
    assert officer.client.get("/console/registers/rechecks").status_code == 403
    assert "回头看" not in officer.client.get("/console/").get_data(as_text=True).split("主菜单")[1].split("</nav>")[0]
    listed = auditor.client.get("/console/registers/rechecks")
    assert listed.status_code == 200 and "安排回头看" not in listed.get_data(as_text=True)
    assert _post(auditor, "/console/registers/rechecks/new", {"title": "t", "due_on": DUE}).status_code == 403
    sup = desk("county_sup")
    no_token = sup.client.post("/console/registers/rechecks/new", data={"title": "t", "source": "audit", "due_on": DUE})
    assert no_token.status_code == 400
    made = _post(sup, "/console/registers/rechecks/new", {"title": "t", "source": "audit", "due_on": DUE})
    batch_id = int(made.headers["Location"].rsplit("/", 1)[1])
    assert other_sup.client.get(f"/console/registers/rechecks/{batch_id}").status_code == 404  # another county's
    home = sup.client.get("/console/").get_data(as_text=True)
    assert 'href="/console/registers/rechecks" data-work="回头看待复核"><span class="count">1</span>' in home
