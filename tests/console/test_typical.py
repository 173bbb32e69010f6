"""典型案例 in the console over Flask's test client: the personal-data check's findings shown before anything is
published, the preview equal to what the public API then serves, photos only when picked, withdrawal with a
reason, roles, scope and CSRF."""
import html
import re

from tests.cases.conftest import RESULT_FALSE
from tests.console.conftest import drive

SUMMARY = "群众举报宁陕县城关镇林区有人砍伐树木，经县林业局现场核查，已责令停止并补种树苗。"


def _text(resp) -> str:
    return html.unescape(resp.get_data(as_text=True))


def _closed_with_photo(world) -> tuple[int, str]:
    """A closed case in 宁陕 whose result carries one evidence photo."""
    case_id = world.open()
    photo = world.upload("officer")
    for who, action, payload in [("city_sup", "accept", {}), ("city_sup", "dispatch", {}), ("officer", "sign", {}),
                                 ("officer", "submit_result", {**RESULT_FALSE, "photo_ids": [photo]}),
                                 ("inspector", "verify", {"result": "pass"}), ("city_sup", "close", {})]:
        world.do(case_id, who, action, **payload)
    return case_id, photo


def _officer_name(app, world) -> str:
    from reporter.accounts.models import User
    from tests.conftest import app_ctx

    with app_ctx(app) as session:
        user = session.get(User, world.ids["officer"])
        return user.display_name or user.username


def test_findings_are_shown_inline_then_the_preview_is_what_the_public_gets(app, world, desk):
    case_id, photo = _closed_with_photo(world)
    sup = desk("county_sup")
    form_page = f"/console/typical/new/{case_id}"
    listed = _text(sup.client.get("/console/typical"))
    row = listed[listed.index(f'data-case-id="{case_id}"'):]
    assert row[:row.index("</tr>")].count("乱砍滥伐、毁林") == 1  # the category in words
    assert f'value="{photo}"' in _text(sup.client.get(form_page))
    officer = _officer_name(app, world)
    bad = sup.post(form_page, {"op": "check", "title": "宁陕县城关镇盗伐林木案",
                               "summary": f"{officer}现场处置，举报人电话 139-1234-5678。{SUMMARY}"}, page=form_page)
    text = _text(bad)
    assert bad.status_code == 422 and 'id="findings"' in text
    assert "案情摘要：" in text and "疑似含有手机号码" in text and ("含有人员姓名" in text or "含有用户名" in text)
    assert "发布</button>" not in text  # no publish button before a clean check
    assert app.test_client().get("/api/v1/public/cases").get_json()["total"] == 0
    fields = {"title": "宁陕县城关镇盗伐林木案", "summary": SUMMARY, "photo_ids": photo}
    good = sup.post(form_page, {"op": "check", **fields}, page=form_page)
    text = _text(good)
    assert good.status_code == 200 and 'id="check-passed"' in text and 'id="public-page"' in text
    assert app.test_client().get("/api/v1/public/cases").get_json()["total"] == 0  # a preview publishes nothing
    done = sup.post(form_page, {"op": "publish", **fields}, page=form_page)
    assert done.status_code == 302
    published_id = int(done.headers["Location"].rsplit("/", 1)[1])
    public = app.test_client().get(f"/api/v1/public/cases/{published_id}").get_json()
    detail = _text(sup.client.get(f"/console/typical/{published_id}"))
    preview_part = text[text.index('id="public-page"'):]
    for value in (public["title"], public["summary"], public["category_name"], public["county"]["name"],
                  public["reported_month"], public["closed_month"]):
        assert value in detail and value in preview_part
    assert len(public["photos"]) == 1 and len(re.findall(r"<img ", detail[detail.index('id="public-page"'):])) == 1
    assert officer not in detail[detail.index('id="public-page"'):detail.index('id="withdraw"')]


def test_withdrawal_needs_a_reason_and_takes_the_page_down(app, world, desk):
    case_id, _photo = _closed_with_photo(world)
    sup = desk("county_sup")
    form_page = f"/console/typical/new/{case_id}"
    done = sup.post(form_page, {"op": "publish", "title": "宁陕县城关镇盗伐林木案", "summary": SUMMARY}, page=form_page)
    published_id = int(done.headers["Location"].rsplit("/", 1)[1])
    detail = f"/console/typical/{published_id}"
    assert sup.client.post(f"{detail}/withdraw", data={"reason": "案情需补充"}).status_code == 400  # no CSRF token
    short = sup.post(f"{detail}/withdraw", {"reason": "x"}, page=detail)
    assert short.status_code == 422 and 'id="err-reason"' in _text(short)
    other = desk("other_county_sup")
    assert other.post(f"{detail}/withdraw", {"reason": "不是本县的案例"}, page="/console/typical").status_code == 404
    assert app.test_client().get(f"/api/v1/public/cases/{published_id}").status_code == 200
    gone = sup.post(f"{detail}/withdraw", {"reason": "案情需补充后重新发布"}, page=detail)
    assert gone.status_code == 302
    assert app.test_client().get(f"/api/v1/public/cases/{published_id}").status_code == 404
    assert sup.client.get(detail).status_code == 404


def test_roles_scope_and_an_open_case(app, world, desk):
    case_id, _photo = _closed_with_photo(world)
    for who in ("officer", "admin", "auditor"):
        d = desk(who)
        assert d.client.get("/console/typical").status_code == 403
        assert d.client.get(f"/console/typical/new/{case_id}").status_code == 403
    other = desk("other_county_sup")
    assert f'data-case-id="{case_id}"' not in _text(other.client.get("/console/typical"))
    assert other.client.get(f"/console/typical/new/{case_id}").status_code == 404
    open_case = drive(world, "in_progress")
    sup = desk("county_sup")
    page = f"/console/typical/new/{open_case}"
    refused = sup.post(page, {"op": "publish", "title": "宁陕县城关镇盗伐林木案", "summary": SUMMARY}, page=page)
    assert refused.status_code == 409 and "只有已结案的案件" in _text(refused)
