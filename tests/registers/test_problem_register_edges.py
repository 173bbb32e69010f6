"""The problem register at its edges: every state in the officials' words (and only a closed problem 已销号), every
column of a row, the year register's first CST day, and "already registered" meaning the same source *and* the same
feedback number."""
import io
from datetime import UTC, datetime

from openpyxl import Workbook, load_workbook

from reporter.accounts.models import User
from reporter.cases import services
from tests.cases.conftest import NINGSHAN, TO_STATE, drive
from tests.conftest import app_ctx

HEADERS = ["问题来源", "反馈编号", "问题类别", "问题描述", "纬度", "经度", "坐标系", "地址"]
# 整改进展 as the officials write it, one per state of the closed loop
PROGRESS_WORDS = {"submitted": "待受理", "accepted": "已立案待派遣", "dispatched": "已交办待签收",
                  "in_progress": "整改中", "pending_verification": "整改完成待核查", "verified": "核查通过待销号",
                  "closed": "已销号", "rejected": "不予受理"}


def _rows(world, **query) -> dict[int, dict]:
    resp = world.client.get("/api/v1/registers/problems", headers=world.h("city_sup"),
                            query_string={"page_size": 100, **query})
    assert resp.status_code == 200, resp.get_json()
    return {row["case_id"]: row for row in resp.get_json()["items"]}


def test_every_state_has_its_words_and_only_a_closed_problem_is_closed_off(world):
    assert set(PROGRESS_WORDS) == set(TO_STATE)
    cases = {state: drive(world, state) for state in PROGRESS_WORDS}
    rows = _rows(world)
    for state, case_id in cases.items():
        row = rows[case_id]
        assert (row["state"], row["progress"]) == (state, PROGRESS_WORDS[state]), state
        assert row["closed_off"] is (state == "closed"), state
        assert (row["closed_on"] is None) is (state != "closed"), state


def test_a_row_has_every_column_of_the_register(world):
    case_id = drive(world, "in_progress", source="central_inspection", external_ref="中央督察反馈-3")
    row = _rows(world)[case_id]
    assert set(row) >= {"seq", "case_id", "number", "source", "source_name", "external_ref", "description",
                        "county_adcode", "county_name", "zone", "zone_name", "lead_units", "cooperating_units",
                        "measures", "deadline", "state", "progress", "closed_off", "closed_on", "recheck",
                        "recheck_name"}
    assert (row["source"], row["source_name"], row["external_ref"]) == ("central_inspection", "中央反馈问题",
                                                                       "中央督察反馈-3")
    assert (row["county_adcode"], row["county_name"], row["state"]) == ("610923", "宁陕县", "in_progress")
    assert (row["recheck"], row["recheck_name"]) == (None, None)
    routing = world.get(case_id).get_json()["routing"]  # its lead and cooperating units, listed by unit id
    cooperating = sorted(routing["cooperating_units"], key=lambda unit: unit["id"])
    assert len(cooperating) == 2 and row["lead_units"] == "宁陕县林业局"
    assert row["cooperating_units"] == "、".join(unit["name"] for unit in cooperating) == "市公安局、宁陕县自然资源局"
    export = world.client.get("/api/v1/registers/problems/export", headers=world.h("city_sup"))
    header = list(load_workbook(io.BytesIO(export.data)).active.iter_rows(min_row=2, max_row=2, values_only=True))[0]
    assert list(header) == ["序号", "问题来源", "反馈编号", "问题描述", "所在县区", "保护区", "牵头单位", "配合单位",
                            "整改措施", "整改时限", "整改进展", "是否销号", "销号时间", "回头看", "案件编号"]


def test_the_year_register_starts_on_the_first_cst_day_of_the_year(world):
    def closed_at(instant):
        case_id = world.open(at=datetime(2021, 11, 2, 4, tzinfo=UTC))
        with app_ctx(world.app) as session:
            for who, action, payload in TO_STATE["closed"]:
                services.perform(case_id, action, session.get(User, world.ids[who]), payload, expected_version=None,
                                 at=instant)
        return case_id

    new_years_night = closed_at(datetime(2021, 12, 31, 16, 30, tzinfo=UTC))  # 2022-01-01 00:30 in Ankang
    january = closed_at(datetime(2022, 1, 20, 4, tzinfo=UTC))
    old_years_eve = closed_at(datetime(2021, 12, 31, 15, 30, tzinfo=UTC))  # 2021-12-31 23:30 in Ankang
    opened_2023 = world.open(at=datetime(2022, 12, 31, 16, 30, tzinfo=UTC))  # 2023-01-01 00:30 in Ankang
    rows = _rows(world, year=2022)
    assert new_years_night in rows and january in rows
    assert old_years_eve not in rows and opened_2023 not in rows
    assert rows[new_years_night]["closed_on"] == "2022-01-01"
    assert old_years_eve in _rows(world, year=2021) and opened_2023 in _rows(world, year=2023)


def _sheet(*rows) -> bytes:
    book = Workbook()
    book.active.append(HEADERS)
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_already_registered_means_the_same_source_and_the_same_number(world):
    world.open(source="central_inspection", external_ref="督察-2")
    world.open(source="provincial_inspection", external_ref="督察-5")
    rows = [("省级反馈问题", "督察-2", "illegal_logging", "另一来源的同号问题", *NINGSHAN, "", ""),  # central's number
            ("中央反馈问题", "督察-5", "illegal_logging", "另一来源的同号问题", *NINGSHAN, "", ""),  # provincial's
            ("中央反馈问题", "督察-1", "illegal_logging", "同一来源的另一编号", *NINGSHAN, "", "")]
    resp = world.client.post("/api/v1/registers/problems/import", headers=world.h("city_sup"),
                             query_string={"dry_run": "true"}, content_type="multipart/form-data",
                             data={"file": (io.BytesIO(_sheet(*rows)), "feedback.xlsx")})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["rows"] == 3
    again = world.client.post("/api/v1/registers/problems/import", headers=world.h("city_sup"),
                              content_type="multipart/form-data",
                              data={"file": (io.BytesIO(_sheet(rows[0][:1] + ("督察-5",) + rows[0][2:])),
                                             "feedback.xlsx")})
    assert again.status_code == 422
    assert again.get_json()["errors"]["file"]["2"]["反馈编号"][0].startswith("already registered as case ")
