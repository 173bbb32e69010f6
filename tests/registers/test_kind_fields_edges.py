"""A site kind's fields at their edges (README "Registers and special campaigns", "Registers in Excel"): the schema a
site's `attributes` must meet (each type's limits, required or not, no other keys), a spreadsheet cell read into a
field's value (empty, whole numbers, 是/否 and every word for them, dates in the officials' spellings, 、-separated
choices) and written back, the states that close a site off; then kinds saved by an admin (the database part)."""
import math
from datetime import date, datetime
from types import SimpleNamespace

import pytest

from reporter.errors import Conflict, NotFound, ValidationFailed
from reporter.registers import kinds
from reporter.registers.kinds import check_attributes, read_cell, write_cell

FIELDS = [
    {"key": "river", "label": "受纳河流", "type": "text", "required": True},
    {"key": "beds", "label": "床位数", "type": "integer"},
    {"key": "area", "label": "面积", "type": "number"},
    {"key": "licensed", "label": "有证", "type": "bool"},
    {"key": "since", "label": "开业日期", "type": "date"},
    {"key": "outcome", "label": "处置方式", "type": "choice", "choices": ["提升改造", "关停取缔"]},
    {"key": "problems", "label": "存在问题", "type": "choices", "choices": ["侵占河道", "压占林地"]},
]
KIND = SimpleNamespace(code="test_kind", name="测试点位", fields=FIELDS,
                       states=[{"code": "operating", "name": "经营"},
                               {"code": "shut", "name": "关停取缔", "closes": True},
                               {"code": "upgraded", "name": "提升改造完成", "closes": True},
                               {"code": "rectifying", "name": "整改中", "closes": False}])
SPEC = {f["type"]: f for f in FIELDS}


def _ok(**attributes):
    return check_attributes(KIND, {"river": "汉江", **attributes})


def _refused(**attributes) -> dict:
    with pytest.raises(ValidationFailed) as refused:
        _ok(**attributes)
    return refused.value.errors["json"]["attributes"]


# The schema --------------------------------------------------------------------------------------------------------

def test_a_required_field_must_be_there_and_not_null_the_others_may_be_null():
    assert _ok() == {"river": "汉江"}
    with pytest.raises(ValidationFailed) as missing:
        check_attributes(KIND, {})
    assert set(missing.value.errors["json"]["attributes"]) == {"river"}
    assert "river" in _refused(river=None)
    assert _ok(beds=None, area=None, licensed=None, since=None, outcome=None, problems=None)["beds"] is None
    assert check_attributes(KIND, {"beds": 3}, partial=True) == {"beds": 3}  # an edit sends some fields only
    assert "colour" in _refused(colour="红")  # no key the kind does not have


def test_text_holds_at_most_500_characters():
    assert _ok(river="江" * 500)["river"] == "江" * 500
    assert "river" in _refused(river="江" * 501)


def test_integers_are_whole_json_numbers_within_32_bits():
    assert _ok(beds=2**31 - 1)["beds"] == 2**31 - 1
    assert _ok(beds=-2**31)["beds"] == -2**31
    assert "beds" in _refused(beds=2**31)
    assert "beds" in _refused(beds=-2**31 - 1)
    assert "beds" in _refused(beds="12")  # strict: not a string
    assert "beds" in _refused(beds=1.5)


def test_numbers_are_finite_within_a_trillion():
    assert _ok(area=1e12)["area"] == 1e12
    assert _ok(area=-1e12)["area"] == -1e12
    assert _ok(area=2.5)["area"] == 2.5
    assert "area" in _refused(area=1.0000001e12)
    assert "area" in _refused(area=-1.0000001e12)
    assert "area" in _refused(area=math.nan)


def test_bools_are_json_booleans_only():
    assert _ok(licensed=True)["licensed"] is True
    assert _ok(licensed=False)["licensed"] is False
    assert "licensed" in _refused(licensed="true")
    assert "licensed" in _refused(licensed="是")


def test_dates_choices_and_lists_of_choices():
    assert _ok(since="2022-06-30")["since"] == "2022-06-30"  # stored as ISO text
    assert "since" in _refused(since="2022-13-01")
    assert _ok(outcome="关停取缔")["outcome"] == "关停取缔"
    assert "outcome" in _refused(outcome="拆除")
    assert _ok(problems=["侵占河道", "压占林地"])["problems"] == ["侵占河道", "压占林地"]
    assert "problems" in _refused(problems=["侵占河道", "乱排乱放"])
    assert "problems" in _refused(problems="侵占河道")


def test_the_schema_documents_each_field_by_its_label():
    schema = kinds.attributes_schema(KIND)
    assert {name: field.metadata["description"] for name, field in schema.fields.items()} == {
        f["key"]: f["label"] for f in FIELDS}
    assert schema.fields["river"].required and not schema.fields["beds"].required


# Spreadsheet cells -------------------------------------------------------------------------------------------------

def test_an_empty_cell_is_no_value_whatever_the_type():
    assert all(read_cell(spec, "") is None for spec in FIELDS)


def test_a_whole_number_cell():
    assert read_cell(SPEC["integer"], "12") == 12
    assert read_cell(SPEC["integer"], "-3") == -3
    assert read_cell(SPEC["integer"], "12.0") == 12  # Excel's number written as text
    assert read_cell(SPEC["integer"], "12.00") == 12
    for text in ("12.5", "12.", "1e3", "十二", "12 张", "0.0.0"):
        with pytest.raises(ValueError, match="not a whole number"):
            read_cell(SPEC["integer"], text)


def test_a_number_cell():
    assert read_cell(SPEC["number"], "3.25") == 3.25
    assert read_cell(SPEC["number"], "-7") == -7.0
    with pytest.raises(ValueError, match="not a number"):
        read_cell(SPEC["number"], "三点五")


@pytest.mark.parametrize("text", ["是", "yes", "true", "1", "y", "有", "已接入", "YES", "True", "Y"])
def test_every_word_for_yes(text):
    assert read_cell(SPEC["bool"], text) is True


@pytest.mark.parametrize("text", ["否", "no", "false", "0", "n", "无", "未接入", "NO", "False", "N"])
def test_every_word_for_no(text):
    assert read_cell(SPEC["bool"], text) is False


def test_the_words_for_yes_and_no_are_these():
    assert kinds.YES == ("是", "yes", "true", "1", "y", "有", "已接入")
    assert kinds.NO == ("否", "no", "false", "0", "n", "无", "未接入")
    with pytest.raises(ValueError, match="not 是 or 否"):
        read_cell(SPEC["bool"], "也许")


def test_a_date_cell_in_the_officials_spellings():
    for text in ("2022-06-30", "2022/06/30", "2022.06.30", "2022-06-30 00:00:00", "2022/06/30 08:00"):
        assert read_cell(SPEC["date"], text) == date(2022, 6, 30)
    for text in ("30/06/2022", "2022年6月30日", "2022-02-30"):
        with pytest.raises(ValueError, match="not a date"):
            read_cell(SPEC["date"], text)


def test_a_choices_cell_splits_on_each_separator():
    for text in ("侵占河道、压占林地", "侵占河道,压占林地", "侵占河道，压占林地", "侵占河道;压占林地",
                 "侵占河道；压占林地",
                 "侵占河道、、压占林地", " 侵占河道 、 压占林地 ", "侵占河道、压占林地、", "、侵占河道，；压占林地"):
        assert read_cell(SPEC["choices"], text) == ["侵占河道", "压占林地"], text
    assert read_cell(SPEC["choices"], "侵占河道") == ["侵占河道"]
    assert read_cell(SPEC["choices"], "、") == []


def test_text_and_choice_cells_are_taken_as_written():
    assert read_cell(SPEC["text"], "汉江、月河") == "汉江、月河"
    assert read_cell(SPEC["choice"], "关停取缔") == "关停取缔"


def test_values_written_back_read_the_same():
    assert write_cell(SPEC["bool"], True) == "是" and write_cell(SPEC["bool"], False) == "否"
    assert write_cell(SPEC["choices"], ["侵占河道", "压占林地"]) == "侵占河道、压占林地"
    assert write_cell(SPEC["date"], "2022-06-30") == datetime(2022, 6, 30)
    assert write_cell(SPEC["date"], date(2022, 6, 30)) == date(2022, 6, 30)
    assert write_cell(SPEC["integer"], 12) == 12
    assert write_cell(SPEC["text"], "汉江") == "汉江"
    assert write_cell(SPEC["choice"], "关停取缔") == "关停取缔"  # one choice is text, not a list
    assert write_cell(SPEC["number"], 2.5) == 2.5
    assert all(write_cell(spec, None) is None for spec in FIELDS)
    for spec, value in ((SPEC["bool"], True), (SPEC["bool"], False), (SPEC["choices"], ["侵占河道", "压占林地"])):
        assert read_cell(spec, write_cell(spec, value)) == value


def test_the_states_that_close_a_site_off():
    assert kinds.closing_states(KIND) == {"shut", "upgraded"}
    assert kinds.state_names(KIND) == {"operating": "经营", "shut": "关停取缔", "upgraded": "提升改造完成",
                                       "rectifying": "整改中"}
    assert kinds.FIELD_TYPES == ("text", "integer", "number", "bool", "date", "choice", "choices")


# Kinds saved by an admin (database) --------------------------------------------------------------------------------

SAND = {"code": "sand_yard", "name": "采砂场", "category": "river_sand", "geometry": "point",
        "fields": [{"key": "river", "label": "河流", "type": "text"}],
        "states": [{"code": "open", "name": "在采"}, {"code": "closed", "name": "关闭", "closes": True}]}


def test_kinds_are_listed_seeded_first_and_saved_with_their_rules(world):
    from tests.conftest import app_ctx

    with app_ctx(world.app):
        made = kinds.save_kind(dict(SAND))
        assert (made.code, made.builtin, made.name, made.category, made.geometry) == (
            "sand_yard", False, "采砂场", "river_sand", "point")
        kinds.save_kind({**SAND, "code": "a_pit", "name": "取土场"})
        listed = [k.code for k in kinds.all_kinds()]
        assert listed == ["farmstay", "mine", "scenic_building", "sewage_outfall", "small_hydropower",
                          "tailings_pond", "a_pit", "sand_yard"]
        with pytest.raises(Conflict):
            kinds.save_kind({**SAND, "name": "另一个"})  # the code exists
        with pytest.raises(Conflict) as same_name:
            kinds.save_kind({**SAND, "code": "gravel", "name": "采砂场"})
        assert same_name.value.error == "duplicate_name"
        with pytest.raises(NotFound):
            kinds.get_kind("gravel")
        changed = kinds.save_kind({**SAND, "name": "河道采砂场", "states": SAND["states"][:1]}, code="sand_yard")
        assert (changed.name, changed.states, changed.builtin) == ("河道采砂场", SAND["states"][:1], False)
        farmstay = kinds.get_kind("farmstay")
        kept = kinds.save_kind({"name": farmstay.name, "category": farmstay.category, "geometry": "any",
                                "fields": farmstay.fields, "states": farmstay.states}, code="farmstay")
        assert (kept.builtin, kept.geometry) == (True, "any")


def test_a_state_in_use_cannot_go(world):
    from tests.conftest import app_ctx
    from tests.registers.helpers import register

    assert register(world).status_code == 201  # a farmstay, in its first state
    with app_ctx(world.app):
        farmstay = kinds.get_kind("farmstay")
        body = {"name": farmstay.name, "category": farmstay.category, "geometry": farmstay.geometry,
                "fields": farmstay.fields}
        with pytest.raises(Conflict) as in_use:
            kinds.save_kind({**body, "states": farmstay.states[1:]}, code="farmstay")
        assert in_use.value.error == "state_in_use"
        saved = kinds.save_kind({**body, "states": farmstay.states[:1]}, code="farmstay")  # unused ones may go
        assert [s["code"] for s in saved.states] == [farmstay.states[0]["code"]]
        # only the kind's own sites count: another kind's farmstay states are not in use for it
        kinds.save_kind({**SAND, "code": "a_pit", "name": "取土场"})
        changed = kinds.save_kind({**SAND, "name": "取土场", "states": SAND["states"][1:]}, code="a_pit")
        assert [s["code"] for s in changed.states] == ["closed"]
