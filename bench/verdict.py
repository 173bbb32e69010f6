"""Benchmarks are checks: each figure is printed with its target, and the run exits non-zero when one is missed.

    from bench.verdict import Verdict
    verdict = Verdict("stats")
    verdict.at_most("bulletin / one aggregate", ratio, 20)   # prints "… 14.2 (target <= 20) ok"
    verdict.at_least("ingest / COPY", share, 0.25)
    verdict.exit()                                             # status 1 when any target was missed
"""
import sys


class Verdict:
    """The figures of one benchmark run and whether each met its target."""

    def __init__(self, name: str):
        self.name = name
        self.missed: list[str] = []

    def _record(self, label: str, figure: float, target: float, ok: bool, sign: str) -> bool:
        print(f"{self.name}: {label}: {figure:.3g} (target {sign} {target:g}) {'ok' if ok else 'MISSED'}", flush=True)
        if not ok:
            self.missed.append(f"{label}: {figure:.3g} (target {sign} {target:g})")
        return ok

    def at_most(self, label: str, figure: float, target: float) -> bool:
        return self._record(label, figure, target, figure <= target, "<=")

    def at_least(self, label: str, figure: float, target: float) -> bool:
        return self._record(label, figure, target, figure >= target, ">=")

    def exactly(self, label: str, figure: float, target: float) -> bool:
        return self._record(label, figure, target, figure == target, "==")

    def exit(self) -> None:
        """End the run: status 1 (and the misses on stderr) when a target was missed."""
        if self.missed:
            print(f"{self.name}: {len(self.missed)} target(s) missed: " + "; ".join(self.missed), file=sys.stderr)
            sys.exit(1)
        print(f"{self.name}: every target met")
