"""Eligibility rules, amounts and identity numbers, without a database."""
from datetime import UTC, datetime, timedelta

import pytest

from reporter.rewards.eligibility import CaseFacts, PolicyFacts, ReportFacts, decide
from reporter.rewards.idnumber import id_number_problem, mask
from reporter.rewards.models import RewardPolicy, RewardTier
from reporter.rewards.money import split, yuan
from reporter.rewards.policies import amount_range

MORNING = datetime(2026, 5, 6, 1, 0, tzinfo=UTC)  # 09:00 CST
PLAIN = PolicyFacts(same_day_sharing=False)
SHARING = PolicyFacts(same_day_sharing=True)


def report(rid: str, reporter: int, at=MORNING, **kw) -> ReportFacts:
    return ReportFacts(report_id=rid, reporter_id=reporter, created_at=at, wants_reward=kw.pop("wants", True), **kw)


def case(*reports, **kw) -> CaseFacts:
    base = dict(case_id=1, source="citizen_report", finding="true", closing=0, first_event_at=reports[0].created_at)
    base.update(kw)
    return CaseFacts(reports=list(reports), **base)


def failed(verdict) -> set[str]:
    return {r["check"] for r in verdict.reasons if not r["passed"]}


def test_first_reporter_with_true_finding_is_eligible_and_every_check_is_in_words():
    [verdict] = decide(case(report("a", 1)), PLAIN)
    assert verdict.eligible
    assert [r["check"] for r in verdict.reasons] == ["finding", "opted_in", "first_reporter", "not_known_before",
                                                     "not_grid_inspector", "not_handling_officer", "not_excluded"]
    assert all(r["text"] for r in verdict.reasons)


@pytest.mark.parametrize("finding, eligible", [("true", True), ("partly_true", True), ("false", False), (None, False)])
def test_only_true_or_partly_true_findings_pay(finding, eligible):
    [verdict] = decide(case(report("a", 1), finding=finding), PLAIN)
    assert verdict.eligible is eligible
    if not eligible:
        assert failed(verdict) == {"finding"}
        assert "属实" in verdict.reasons[0]["text"]


def test_a_reporter_who_did_not_opt_in_gets_nothing():
    [verdict] = decide(case(report("a", 1, wants=False)), PLAIN)
    assert failed(verdict) == {"opted_in"}


def test_later_reports_are_not_first_and_same_day_sharing_is_a_switch():
    first, same_day, next_day = (report("a", 1), report("b", 2, MORNING + timedelta(hours=5)),
                                 report("c", 3, MORNING + timedelta(days=1)))
    off = decide(case(first, same_day, next_day), PLAIN)
    assert [v.eligible for v in off] == [True, False, False]
    assert "does not share" in next(r["text"] for r in off[1].reasons if r["check"] == "first_reporter")
    on = decide(case(first, same_day, next_day), SHARING)
    assert [v.eligible for v in on] == [True, True, False]


def test_sharing_counts_the_cst_day_and_one_person_shares_once():
    late_evening_cst = datetime(2026, 5, 6, 15, 30, tzinfo=UTC)   # 23:30 CST on the 6th
    after_midnight_cst = datetime(2026, 5, 6, 16, 30, tzinfo=UTC)  # 00:30 CST on the 7th, same UTC day
    verdicts = decide(case(report("a", 1, late_evening_cst), report("b", 2, after_midnight_cst)), SHARING)
    assert [v.eligible for v in verdicts] == [True, False]
    twice = decide(case(report("a", 1), report("b", 1, MORNING + timedelta(hours=1))), SHARING)
    assert [v.eligible for v in twice] == [True, False]


@pytest.mark.parametrize("source", ["patrol", "video", "undercover", "superior"])
def test_a_case_from_another_channel_pays_nothing(source):
    [verdict] = decide(case(report("a", 1), source=source), PLAIN)
    assert failed(verdict) == {"not_known_before"}
    assert "already known" in verdict.reasons[3]["text"]


def test_a_case_that_existed_before_the_first_citizen_report_pays_nothing():
    [verdict] = decide(case(report("a", 1), first_event_at=MORNING - timedelta(hours=3)), PLAIN)
    assert failed(verdict) == {"not_known_before"}
    [same_request] = decide(case(report("a", 1), first_event_at=MORNING - timedelta(seconds=1)), PLAIN)
    assert same_request.eligible


def test_staff_with_related_duties_are_excluded():
    [inspector] = decide(case(report("a", 7), grid_inspector_ids={7}), PLAIN)
    assert failed(inspector) == {"not_grid_inspector"}
    [officer] = decide(case(report("a", 8, reporter_unit_id=42), handling_unit_ids={42}), PLAIN)
    assert failed(officer) == {"not_handling_officer"}
    [other_unit] = decide(case(report("a", 8, reporter_unit_id=43), handling_unit_ids={42}), PLAIN)
    assert other_unit.eligible


def test_configured_exclusion_lists():
    by_user = PolicyFacts(same_day_sharing=False, excluded_user_ids=frozenset({9}))
    assert failed(decide(case(report("a", 9)), by_user)[0]) == {"not_excluded"}
    by_unit = PolicyFacts(same_day_sharing=False, excluded_unit_codes=frozenset({"city.forestry"}))
    [verdict] = decide(case(report("a", 10, reporter_unit_id=5, reporter_unit_code="city.forestry")), by_unit)
    assert failed(verdict) == {"not_excluded"}


def _policy(percent=50):
    policy = RewardPolicy(partly_true_percent=percent)
    return policy, RewardTier(code="general", name="一般", min_fen=300_00, max_fen=1_000_00)


def test_amount_range_caps_partly_true_at_half_and_splits_among_sharers():
    policy, tier = _policy()
    assert amount_range(policy, tier, "true") == (300_00, 1_000_00)
    assert amount_range(policy, tier, "partly_true") == (300_00, 500_00)
    assert amount_range(policy, tier, "true", share_count=3) == (100_00, 33_333)
    stingy, tier = _policy(percent=20)
    assert amount_range(stingy, tier, "partly_true") == (200_00, 200_00)


def test_money_is_fen_and_yuan_is_only_text():
    assert yuan(100_000) == "1,000.00"
    assert yuan(5) == "0.05"
    assert yuan(1_000_000_00) == "1,000,000.00"
    assert split(100_00, 3) == [3334, 3333, 3333] and sum(split(100_00, 3)) == 100_00


def test_id_numbers_follow_gb_11643():
    assert id_number_problem("11010519491231002X") is None          # the standard's own example
    assert id_number_problem("110105194912310021") == "The ID number's check digit is wrong"
    assert "birth date" in id_number_problem("110105194902300026")  # 30 February
    assert id_number_problem("1101051949123100") is not None
    assert mask("11010519491231002X") == "110***********002X"


def test_a_recurrence_round_rewards_its_first_reporter_even_on_a_case_found_by_patrol():
    """反弹回潮: after a reopening for a recurrence, only the recurrence's reports compete, and the earlier source of
    the case does not make the recurrence "known before"."""
    later = MORNING + timedelta(days=40)
    original, first, second = report("a", 1), report("b", 2, at=later), report("c", 3, at=later + timedelta(hours=1))
    facts = case(original, first, second, source="patrol", closing=1, recurrence_report_ids=frozenset({"b", "c"}))
    verdicts = {v.report.report_id: v for v in decide(facts, PLAIN)}
    assert verdicts["b"].eligible and "rewarded again" in verdicts["b"].reasons[2]["text"]
    assert failed(verdicts["a"]) == {"first_reporter", "not_known_before"}
    assert "only the recurrence's first reporter counts" in verdicts["a"].reasons[2]["text"]
    assert failed(verdicts["c"]) == {"first_reporter"} and "earlier valid report of this recurrence" in \
        verdicts["c"].reasons[2]["text"]
    shared = {v.report.report_id: v for v in decide(facts, SHARING)}
    assert shared["b"].eligible and shared["c"].eligible and not shared["a"].eligible


def test_a_repeat_of_a_closed_case_is_never_rewarded_and_says_why():
    from reporter.rewards.eligibility import repeat_verdict

    verdict = repeat_verdict(report("r", 5), "QL2026-000042")
    assert not verdict.eligible and failed(verdict) == {"not_a_repeat"}
    assert "QL2026-000042" in verdict.reasons[0]["text"] and "not rewarded" in verdict.reasons[0]["text"]
