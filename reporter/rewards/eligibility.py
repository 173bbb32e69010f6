"""Who of a closed case's reporters may be rewarded, and why (or why not), in words.

Pure rules over plain facts, so they read and test without a database; `sources.py` gathers the facts of a real
case. Every report gets a verdict listing each check with its outcome.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from reporter.common.timeutil import cst_date

REWARDED_FINDINGS = {"true": "属实 (true)", "partly_true": "部分属实 (partly true)"}
# A case created from a citizen report gets its first event in the same request, a moment around the report's
# own timestamp; anything earlier than this means the case existed before the report.
SAME_SUBMISSION = timedelta(seconds=5)


@dataclass(frozen=True)
class ReportFacts:
    """What the rules need of one report of the case."""

    report_id: str
    reporter_id: int | None
    created_at: datetime
    wants_reward: bool
    anonymous: bool = False
    tracking_code: str | None = None
    claim_pin_hash: str | None = None
    reporter_unit_id: int | None = None
    reporter_unit_code: str | None = None


@dataclass(frozen=True)
class CaseFacts:
    """What the rules need of the closed case: its source, finding, history, grid inspectors, handling units."""

    case_id: int
    source: str
    finding: str | None
    closing: int                       # reopen count at this closing
    first_event_at: datetime | None    # the earliest event of the case (its existence)
    reports: list[ReportFacts]         # the case's valid (not rejected) reports, earliest first
    grid_inspector_ids: set[int] = field(default_factory=set)
    handling_unit_ids: set[int] = field(default_factory=set)
    # 反弹回潮: the reports whose recurrence reopened the case for this round (整改不到位); empty for a first closing
    recurrence_report_ids: frozenset[str] = frozenset()
    new_place_report_ids: frozenset[str] = frozenset()  # reports that raised a recurrence decided as a new case


@dataclass(frozen=True)
class PolicyFacts:
    """The parts of the active policy the rules read."""

    same_day_sharing: bool
    excluded_user_ids: frozenset[int] = frozenset()
    excluded_unit_codes: frozenset[str] = frozenset()


@dataclass
class Verdict:
    """The decision on one report: eligible or not, with every check in words."""

    report: ReportFacts
    reasons: list[dict] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        """Eligible when every check passed."""
        return all(r["passed"] for r in self.reasons)

    def check(self, name: str, passed: bool, yes: str, no: str) -> None:
        """Record one check with the sentence that explains its outcome."""
        self.reasons.append({"check": name, "passed": bool(passed), "text": yes if passed else no})


def _round_reports(facts: CaseFacts) -> list[ReportFacts]:
    """The reports competing to be first this round: the recurrence's after a reopening for it, else all."""
    if facts.recurrence_report_ids:
        return [r for r in facts.reports if r.report_id in facts.recurrence_report_ids]
    return facts.reports


def _first_group(facts: CaseFacts, policy: PolicyFacts) -> set[str]:
    """The report ids that count as first: the earliest valid report, plus same-day reports by others if shared."""
    pool = _round_reports(facts)
    if not pool:
        return set()
    first = pool[0]
    group = {first.report_id}
    if policy.same_day_sharing:
        seen = {first.reporter_id}
        for report in pool[1:]:
            if cst_date(report.created_at) == cst_date(first.created_at) and report.reporter_id not in seen:
                group.add(report.report_id)
                seen.add(report.reporter_id)
    return group


def _known_before(facts: CaseFacts) -> str | None:
    """Why the problem was already known before the first citizen report, or None."""
    if facts.source != "citizen_report":
        return f"The case came from {facts.source.replace('_', ' ')} (not from a citizen report): it was already known"
    first = facts.reports[0].created_at if facts.reports else None
    if first is not None and facts.first_event_at is not None and facts.first_event_at < first - SAME_SUBMISSION:
        return "The case existed before the first citizen report"
    return None


def decide(facts: CaseFacts, policy: PolicyFacts) -> list[Verdict]:
    """One verdict per report of the case, in the order of the reports."""
    first_group = _first_group(facts, policy)
    known = _known_before(facts)
    verdicts = []
    for report in facts.reports:
        verdict = Verdict(report)
        finding = REWARDED_FINDINGS.get(facts.finding or "")
        verdict.check("finding", finding is not None, f"The finding is {finding}",
                      f"The finding is {facts.finding or 'missing'}; only 属实 or 部分属实 is rewarded")
        verdict.check("opted_in", report.wants_reward, "The reporter asked for a reward",
                      "The reporter did not ask for a reward")
        _check_first(verdict, facts, policy, first_group)
        if report.report_id in facts.recurrence_report_ids:
            verdict.check("not_known_before", True, "The recurrence after the case was closed was not known before "
                          "this report", "")
        else:
            verdict.check("not_known_before", known is None,
                          "No patrol, video, inspection or referral found it first", known or "")
        _check_staff(verdict, facts, policy)
        verdicts.append(verdict)
    return verdicts


def _check_first(verdict: Verdict, facts: CaseFacts, policy: PolicyFacts, first_group: set[str]) -> None:
    """Who reported first: of the case, or of the recurrence that reopened it (a recurrence may be rewarded again)."""
    report, pool = verdict.report, _round_reports(facts)
    if facts.recurrence_report_ids and report.report_id not in facts.recurrence_report_ids:
        verdict.check("first_reporter", False, "", "This report was about the case before it was closed; this "
                      "closing follows a recurrence (反弹回潮), and only the recurrence's first reporter counts for it")
        return
    if report.report_id in first_group:
        if facts.recurrence_report_ids:
            yes = ("This report raised the recurrence (反弹回潮) that reopened the case after it was closed: a "
                   "violation that recurs after closing may be rewarded again")
        elif report.report_id in facts.new_place_report_ids:
            yes = ("This report came after a case at the same place was closed and was found to be a new violation "
                   "(a new case was opened from it): it is the first valid report of that new case")
        elif report is pool[0]:
            yes = "This is the first valid report"
        else:
            yes = "A different reporter reported the same day and the policy shares the reward"
        verdict.check("first_reporter", True, yes, "")
        return
    verdict.check("first_reporter", False, "", "An earlier valid report of this " + (
        "recurrence" if facts.recurrence_report_ids else "case") + " exists" + (
        "" if policy.same_day_sharing else " (the policy does not share same-day reports)"))


def repeat_verdict(report: ReportFacts, case_number: str) -> Verdict:
    """A report rejected as only repeating a closed case (同一问题已办结): never rewarded, and why."""
    verdict = Verdict(report)
    verdict.check("not_a_repeat", False, "", f"The report only repeats case {case_number}, already closed: a "
                  "supervisor found the same problem, not a recurrence; a report that repeats a closed case is not "
                  "rewarded")
    return verdict


def _check_staff(verdict: Verdict, facts: CaseFacts, policy: PolicyFacts) -> None:
    """The staff exclusions: inspector of the case's grid, officer of a handling unit, the configured lists."""
    report = verdict.report
    verdict.check("not_grid_inspector", report.reporter_id not in facts.grid_inspector_ids,
                  "The reporter is not an inspector of the case's grid",
                  "The reporter is an inspector (网格员) of the grid where the problem is")
    verdict.check("not_handling_officer",
                  report.reporter_unit_id is None or report.reporter_unit_id not in facts.handling_unit_ids,
                  "The reporter does not work for a unit that handled the case",
                  "The reporter works for a unit that handled the case")
    listed = report.reporter_id in policy.excluded_user_ids or (
        report.reporter_unit_code is not None and report.reporter_unit_code in policy.excluded_unit_codes)
    verdict.check("not_excluded", not listed, "The reporter is on no exclusion list of the policy",
                  "The reporter (or their unit) is on the policy's exclusion list")
