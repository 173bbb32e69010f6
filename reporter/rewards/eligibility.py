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


def _first_group(facts: CaseFacts, policy: PolicyFacts) -> set[str]:
    """The report ids that count as first: the earliest valid report, plus same-day reports by others if shared."""
    if not facts.reports:
        return set()
    first = facts.reports[0]
    group = {first.report_id}
    if policy.same_day_sharing:
        seen = {first.reporter_id}
        for report in facts.reports[1:]:
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
        verdict.check("first_reporter", report.report_id in first_group,
                      "This is the first valid report" if report is facts.reports[0]
                      else "A different reporter reported the same day and the policy shares the reward",
                      "An earlier valid report of this case exists" + (
                          "" if policy.same_day_sharing else " (the policy does not share same-day reports)"))
        verdict.check("not_known_before", known is None, "No patrol, video, inspection or referral found it first",
                      known or "")
        _check_staff(verdict, facts, policy)
        verdicts.append(verdict)
    return verdicts


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
