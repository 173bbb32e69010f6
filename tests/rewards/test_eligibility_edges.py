"""The eligibility rules at their edges: same-day sharing (one share per person, the CST day), the 5-second
same-submission tolerance on either side, the recurrence rounds, and every check's sentence."""
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from reporter.rewards.eligibility import SAME_SUBMISSION, CaseFacts, PolicyFacts, ReportFacts, decide, repeat_verdict

MORNING = datetime(2026, 5, 6, 1, 0, tzinfo=UTC)  # 09:00 CST
PLAIN = PolicyFacts(same_day_sharing=False)
SHARING = PolicyFacts(same_day_sharing=True)
CHECKS = ["finding", "opted_in", "first_reporter", "not_known_before", "not_grid_inspector", "not_handling_officer",
          "not_excluded"]


def report(rid: str, reporter: int | None, at=MORNING, **kw) -> ReportFacts:
    return ReportFacts(report_id=rid, reporter_id=reporter, created_at=at, wants_reward=kw.pop("wants", True), **kw)


def case(*reports, **kw) -> CaseFacts:
    base = dict(case_id=1, source="citizen_report", finding="true", closing=0,
                first_event_at=reports[0].created_at if reports else None)
    base.update(kw)
    return CaseFacts(reports=list(reports), **base)


def texts(verdict) -> dict:
    return {r["check"]: r["text"] for r in verdict.reasons}


def eligible(facts, policy=PLAIN) -> list[bool]:
    return [v.eligible for v in decide(facts, policy)]


def test_every_check_passes_with_its_sentence():
    [verdict] = decide(case(report("a", 1)), PLAIN)
    assert [r["check"] for r in verdict.reasons] == CHECKS
    assert all(r["passed"] is True for r in verdict.reasons)
    assert texts(verdict) == {
        "finding": "The finding is 属实 (true)", "opted_in": "The reporter asked for a reward",
        "first_reporter": "This is the first valid report",
        "not_known_before": "No patrol, video, inspection or referral found it first",
        "not_grid_inspector": "The reporter is not an inspector of the case's grid",
        "not_handling_officer": "The reporter does not work for a unit that handled the case",
        "not_excluded": "The reporter is on no exclusion list of the policy"}


def test_every_check_fails_with_its_sentence():
    facts = case(report("z", 4, at=MORNING - timedelta(minutes=5)),
                 report("a", 7, wants=False, reporter_unit_id=3, reporter_unit_code="610923.forestry"),
                 finding="false", grid_inspector_ids={7}, handling_unit_ids={3},
                 first_event_at=MORNING - timedelta(hours=1))
    verdict = decide(facts, PolicyFacts(same_day_sharing=False, excluded_user_ids=frozenset({7})))[1]
    assert all(r["passed"] is False for r in verdict.reasons)
    assert texts(verdict) == {
        "finding": "The finding is false; only 属实 or 部分属实 is rewarded",
        "opted_in": "The reporter did not ask for a reward",
        "first_reporter": "An earlier valid report of this case exists (the policy does not share same-day reports)",
        "not_known_before": "The case existed before the first citizen report",
        "not_grid_inspector": "The reporter is an inspector (网格员) of the grid where the problem is",
        "not_handling_officer": "The reporter works for a unit that handled the case",
        "not_excluded": "The reporter (or their unit) is on the policy's exclusion list"}


def test_findings():
    assert texts(decide(case(report("a", 1), finding="partly_true"), PLAIN)[0])["finding"] == \
        "The finding is 部分属实 (partly true)"
    assert texts(decide(case(report("a", 1), finding=None), PLAIN)[0])["finding"] == \
        "The finding is missing; only 属实 or 部分属实 is rewarded"
    assert eligible(case(report("a", 1), finding="")) == [False]


def test_a_second_reporter_filing_twice_the_same_day_gets_one_share():
    hour = timedelta(hours=1)
    reports = (report("a", 1), report("b", 2, MORNING + hour), report("c", 2, MORNING + 2 * hour),
               report("d", 3, MORNING + 3 * hour), report("e", 1, MORNING + 4 * hour))
    assert eligible(case(*reports), SHARING) == [True, True, False, True, False]
    assert eligible(case(*reports), PLAIN) == [True, False, False, False, False]
    verdicts = decide(case(*reports), SHARING)
    assert texts(verdicts[0])["first_reporter"] == "This is the first valid report"
    assert texts(verdicts[3])["first_reporter"] == \
        "A different reporter reported the same day and the policy shares the reward"
    assert texts(verdicts[1])["first_reporter"] == \
        "A different reporter reported the same day and the policy shares the reward"
    assert texts(verdicts[2])["first_reporter"] == "An earlier valid report of this case exists"


def test_sharing_ends_at_midnight_cst():
    start = datetime(2026, 5, 5, 16, 0, tzinfo=UTC)  # 00:00 CST on the 6th
    last = start + timedelta(days=1) - timedelta(microseconds=1)
    assert eligible(case(report("a", 1, start), report("b", 2, last)), SHARING) == [True, True]
    assert eligible(case(report("a", 1, start), report("b", 2, last + timedelta(microseconds=1))), SHARING) == [
        True, False]
    before = start - timedelta(microseconds=1)  # 23:59:59.999999 CST on the 5th: the day before
    assert eligible(case(report("a", 1, before), report("b", 2, start)), SHARING) == [True, False]


def test_the_same_submission_tolerance_is_five_seconds_and_exactly_five_is_the_same():
    assert SAME_SUBMISSION == timedelta(seconds=5)
    at = lambda delta: eligible(case(report("a", 1), first_event_at=MORNING - delta))  # noqa: E731
    assert at(timedelta(seconds=5)) == [True]
    assert at(timedelta(seconds=5, microseconds=1)) == [False]
    assert at(timedelta(seconds=4, microseconds=999_999)) == [True]
    assert at(timedelta(seconds=-5)) == [True]            # the event after the report
    assert eligible(case(report("a", 1), first_event_at=None)) == [True]


def test_another_channel_is_named_in_words():
    [verdict] = decide(case(report("a", 1), source="superior_referral"), PLAIN)
    assert texts(verdict)["not_known_before"] == (
        "The case came from superior referral (not from a citizen report): it was already known")


def test_a_case_without_reports_has_no_verdicts():
    assert decide(case(), PLAIN) == [] and decide(case(), SHARING) == []


def test_a_recurrence_round():
    later = MORNING + timedelta(days=40)
    hour = timedelta(hours=1)
    original, first, same_day, other = (report("a", 1), report("b", 2, later), report("c", 3, later + hour),
                                        report("d", 2, later + 2 * hour))
    facts = case(original, first, same_day, other, closing=1, recurrence_report_ids=frozenset({"b", "c", "d"}),
                 first_event_at=MORNING - timedelta(days=1))
    plain = {v.report.report_id: v for v in decide(facts, PLAIN)}
    assert [plain[r].eligible for r in "abcd"] == [False, True, False, False]
    assert texts(plain["b"])["not_known_before"] == \
        "The recurrence after the case was closed was not known before this report"
    assert texts(plain["c"])["first_reporter"] == (
        "An earlier valid report of this recurrence exists (the policy does not share same-day reports)")
    assert texts(plain["a"])["not_known_before"] == "The case existed before the first citizen report"
    shared = {v.report.report_id: v for v in decide(facts, SHARING)}
    assert [shared[r].eligible for r in "abcd"] == [False, True, True, False]
    assert texts(shared["c"])["first_reporter"].startswith("This report raised the recurrence (反弹回潮)")
    assert texts(shared["d"])["first_reporter"] == "An earlier valid report of this recurrence exists"


def test_a_recurrence_whose_reports_are_gone_rewards_nobody():
    facts = case(report("a", 1), closing=1, recurrence_report_ids=frozenset({"gone"}))
    assert eligible(facts, SHARING) == [False]


def test_the_first_report_of_a_new_case_at_a_closed_place():
    facts = case(report("n", 5), new_place_report_ids=frozenset({"n"}))
    [verdict] = decide(facts, PLAIN)
    assert verdict.eligible and texts(verdict)["first_reporter"].startswith(
        "This report came after a case at the same place was closed and was found to be a new violation")


def test_staff_edges():
    assert eligible(case(report("a", None), grid_inspector_ids={7})) == [True]
    assert eligible(case(report("a", 8, reporter_unit_id=None), handling_unit_ids={42})) == [True]
    by_unit = PolicyFacts(same_day_sharing=False, excluded_unit_codes=frozenset({"city.forestry"}))
    assert eligible(case(report("a", 10, reporter_unit_code=None)), by_unit) == [True]
    assert eligible(case(report("a", 10, reporter_unit_code="city.water")), by_unit) == [True]
    by_user = PolicyFacts(same_day_sharing=False, excluded_user_ids=frozenset({9}))
    assert eligible(case(report("a", 10)), by_user) == [True]


def test_a_repeat_verdict():
    verdict = repeat_verdict(report("r", 5), "QL2026-000042")
    assert verdict.reasons == [{"check": "not_a_repeat", "passed": False, "text": (
        "The report only repeats case QL2026-000042, already closed: a supervisor found the same problem, not a "
        "recurrence; a report that repeats a closed case is not rewarded")}]


def test_the_facts_are_values_the_rules_cannot_change():
    facts, policy, one = case(report("a", 1)), PLAIN, report("a", 1)
    for value, name in ((facts, "source"), (policy, "same_day_sharing"), (one, "wants_reward")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, name, None)
    assert len({one, report("a", 1), report("b", 1)}) == 2 and hash(PLAIN) == hash(PolicyFacts(False))
