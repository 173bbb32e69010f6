"""Issue 14 §5: 不予受理 as a duplicate names a case that exists, that the supervisor can see, and that is another."""
import pytest
from sqlalchemy import select

from reporter.cases.models import CaseEvent
from tests.api.test_frame import assert_error
from tests.cases.conftest import HANBIN
from tests.conftest import app_ctx


def reject_as_duplicate(world, case_id, who, duplicate_of):
    return world.act(case_id, who, "reject", reason_code="duplicate", duplicate_of=duplicate_of)


@pytest.mark.parametrize("target", ["missing", "itself", "other_county"])
def test_a_duplicate_of_nothing_itself_or_an_unseen_case_is_refused(world, target):
    case_id = world.open()  # 宁陕, submitted
    hidden = world.open(where=HANBIN)  # 汉滨: outside the 宁陕 office's county
    duplicate_of = {"missing": 9_999_999, "itself": case_id, "other_county": hidden}[target]
    refused = assert_error(reject_as_duplicate(world, case_id, "county_sup", duplicate_of), 422,
                           "validation_failed")
    assert "duplicate_of" in refused["errors"]["json"]
    assert world.case(case_id).state == "submitted"
    with app_ctx(world.app) as session:
        assert session.execute(select(CaseEvent.action).where(CaseEvent.case_id == case_id)).scalars().all() \
            == ["open"]


def test_an_unseen_case_is_answered_like_a_missing_one(world):
    case_id = world.open()
    hidden = world.open(where=HANBIN)
    answers = [reject_as_duplicate(world, case_id, "county_sup", target).get_json() for target in (hidden, 9_999_999)]
    assert answers[0] == answers[1]


def test_a_duplicate_of_a_visible_case_is_kept_in_the_event(world):
    first, second = world.open(), world.open()
    assert reject_as_duplicate(world, second, "county_sup", first).status_code == 200
    with app_ctx(world.app) as session:
        event = session.execute(select(CaseEvent).where(CaseEvent.case_id == second, CaseEvent.action == "reject")
                                ).scalar_one()
        assert event.data["duplicate_of"] == first and event.data["reason_code"] == "duplicate"
