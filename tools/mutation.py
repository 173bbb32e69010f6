"""`make mutation [MODULES=…] [BUDGET=…]`: mutation testing of the rule modules, one module at a time.

Each module is mutated with cosmic-ray's operators (it mutates module-level code too: the workflow table, the rule
tables) plus one operator of ours that drops an element of a tuple, list, set or dict display (a table row, a state, a
setting). Every mutant runs against that module's own tests only (SQLite, one process, `-x`), in a copy of the tree,
so the working copy is never left mutated. A mutant listed in mutation/equivalents.toml (the module, the line before
and after, and why no test can tell them apart) counts as equivalent, one entry per mutant; the rest that survive are
listed. The score is killed / (mutants run − equivalents).
"""
import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import cosmic_ray.plugins
from cosmic_ray.ast import ast_nodes, get_ast_from_path
from cosmic_ray.mutating import mutate_and_test
from cosmic_ray.operators.operator import Example, Operator
from cosmic_ray.testing import run_tests
from cosmic_ray.work_item import MutationSpec, TestOutcome, WorkerOutcome

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = ROOT / "mutation" / "equivalents.toml"
LAST_RUN = ROOT / "mutation" / "last-run.json"

# module → (source file, its own tests, whether they run without tests/conftest.py: no app, no database)
MODULES = {
    "workdays": ("reporter/workdays/services.py", ["tests/workdays/test_edges.py", "tests/workdays/test_estimate.py"],
                 False),
    "eligibility": ("reporter/rewards/eligibility.py", ["tests/rewards/test_eligibility_edges.py",
                                                      "tests/rewards/test_rules.py"], True),
    "idnumber": ("reporter/rewards/idnumber.py", ["tests/rewards/test_idnumber_money.py"], True),
    "money": ("reporter/rewards/money.py", ["tests/rewards/test_idnumber_money.py"], True),
    "effort": ("reporter/patrols/effort.py", ["tests/patrols/test_effort_edges.py", "tests/patrols/test_effort.py"],
               True),
    # the table's own tests first: with -x most mutants die before the application starts
    "workflow": ("reporter/cases/workflow.py", ["tests/cases/test_workflow_table.py",
                                                "tests/cases/test_workflow_permissions.py"], False),
    # the effects one by one, then at their edges (督办, duplicates, 派遣, 反弹回潮), then through the workflow
    "effects": ("reporter/cases/effects.py", ["tests/cases/test_effects.py", "tests/cases/test_effects_edges.py",
                                              "tests/cases/test_reject_duplicate.py",
                                              "tests/cases/test_workflow_table.py",
                                              "tests/cases/test_workflow_permissions.py",
                                              "tests/cases/test_workflow_api.py", "tests/cases/test_deadlines.py"],
                False),
    "ranking": ("reporter/stats/ranking.py", ["tests/stats/test_ranking_edges.py"], True),
    # the replay's rules, then the bulletin's hand-built months, then the faster path against the reference on
    # generated histories (which reads every event's data: it catches an action missing from DATA_ACTIONS)
    "replay": ("reporter/stats/replay.py", ["tests/stats/test_replay_edges.py", "tests/stats/test_bulletin.py",
                                            "tests/stats/test_faster_path.py"], False),
    "routing": ("reporter/routing/services.py", ["tests/routing/test_routing_edges.py", "tests/routing/test_route.py",
                                                 "tests/routing/test_versions_api.py", "tests/routing/test_sheets.py",
                                                 "tests/routing/test_reference_api.py"], False),
    "evidence": ("reporter/reports/evidence.py", ["tests/reports/test_evidence_edges.py"], False),
    # the registers' rules: the campaign table, deadlines, overdue and progress (the plain-value tests come first in
    # the edges file), then 回头看
    "campaigns": ("reporter/registers/campaigns.py", ["tests/registers/test_campaign_rules_edges.py",
                                                      "tests/registers/test_farmstay_campaign.py",
                                                      "tests/registers/test_campaigns.py"], False),
    "rechecks": ("reporter/registers/rechecks.py", ["tests/registers/test_recheck_rules_edges.py",
                                                    "tests/registers/test_rechecks.py"], False),
    # a kind's fields: the attributes schema and the spreadsheet cells (plain-value tests first, then saving kinds)
    "kinds": ("reporter/registers/kinds.py", ["tests/registers/test_kind_fields_edges.py"], False),
    # who sees and answers for which site, then the sites' own rules, their units and the problem register
    "scope": ("reporter/registers/scope.py", ["tests/registers/test_site_scope_edges.py",
                                              "tests/registers/test_sites.py", "tests/registers/test_site_sheets.py"],
              False),
    "sites": ("reporter/registers/sites.py", ["tests/registers/test_site_rules_edges.py",
                                              "tests/registers/test_sites.py", "tests/registers/test_links.py",
                                              "tests/registers/test_site_sheets.py"], False),
    "links": ("reporter/registers/links.py", ["tests/registers/test_links_edges.py", "tests/registers/test_links.py"],
              False),
    "problems": ("reporter/registers/problems.py", ["tests/registers/test_problem_register_edges.py",
                                                    "tests/registers/test_problem_register.py"], False),
    "undercover": ("reporter/registers/undercover.py", ["tests/registers/test_undercover_edges.py",
                                                        "tests/registers/test_campaigns.py"], False),
}

# The comparison, boolean, number, unary, exception and loop operators of cosmic-ray; binary operators only to their
# sibling (+ ↔ −, × ↔ ÷, // → /, % → //) and no `==` → `is` (interning makes those noise rather than findings).
_BINARY = {"Add_Sub", "Sub_Add", "Mul_Div", "Div_Mul", "FloorDiv_Div", "Mod_FloorDiv", "BitOr_BitAnd", "BitAnd_BitOr"}


def _wanted(name: str) -> bool:
    short = name.split("/", 1)[1]
    if short.startswith("ReplaceBinaryOperator_"):
        return short.removeprefix("ReplaceBinaryOperator_") in _BINARY
    if short.startswith("ReplaceComparisonOperator_"):
        pair = short.removeprefix("ReplaceComparisonOperator_").split("_")
        return ("Is" in pair or "IsNot" in pair) == (pair[0] in ("Is", "IsNot") and pair[1] in ("Is", "IsNot"))
    return short not in ("VariableReplacer", "VariableInserter", "RemoveDecorator")


class DropElement(Operator):
    """Drop one element of a tuple, list, set or dict display: a table row, a state, a setting key."""

    @staticmethod
    def _groups(node):
        if node.type not in ("testlist_comp", "dictorsetmaker") or node.parent is None or node.parent.type != "atom":
            return []
        if any(child.type in ("sync_comp_for", "comp_for") for child in node.children):
            return []
        groups, current = [], []
        for child in node.children:
            if child.type == "operator" and child.value == ",":
                groups.append(current)
                current = []
            else:
                current.append(child)
        if current:
            groups.append(current)
        return groups if len(groups) > 1 else []

    def mutation_positions(self, node):
        for group in self._groups(node):
            yield group[0].start_pos, group[-1].end_pos

    def mutate(self, node, index):
        groups = self._groups(node)
        drop = set(map(id, groups[index]))
        kept, skip_comma = [], False
        for child in node.children:
            if id(child) in drop:
                skip_comma = True
                continue
            if skip_comma and child.type == "operator" and child.value == ",":
                skip_comma = False
                continue
            skip_comma = False
            kept.append(child)
        if kept and kept[-1].type == "operator" and kept[-1].value == "," and index == len(groups) - 1:
            kept.pop()
        node.children = kept
        for child in kept:
            child.parent = node
        return node

    @classmethod
    def examples(cls):
        return (Example("x = (1, 2, 3)", "x = (1, 3)", occurrence=1),)


cosmic_ray.plugins.OPERATOR_PROVIDERS["reporter"] = {"DropElement": DropElement}


def operators() -> list[str]:
    return [name for name in cosmic_ray.plugins.operator_names() if name.startswith("reporter/") or _wanted(name)]


def work_items(path: Path) -> list[MutationSpec]:
    tree = get_ast_from_path(path)
    specs = []
    for name in operators():
        operator = cosmic_ray.plugins.get_operator(name)()
        positions = [pos for node in ast_nodes(tree) for pos in operator.mutation_positions(node)]
        for occurrence, (start, end) in enumerate(positions):
            if start[0] in _docstring_lines(path):
                continue
            specs.append(MutationSpec(module_path=path, operator_name=name, occurrence=occurrence,
                                      start_pos=start, end_pos=end, operator_args={}))
    return specs


_docstrings: dict[Path, set[int]] = {}


def _docstring_lines(path: Path) -> set[int]:
    """Lines of the module docstring (no behaviour to mutate)."""
    if path not in _docstrings:
        import ast
        tree = ast.parse(path.read_text(encoding="utf-8"))
        lines: set[int] = set()
        first = tree.body[0] if tree.body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            lines.update(range(first.lineno, first.end_lineno + 1))
        _docstrings[path] = lines
    return _docstrings[path]


def changed_lines(diff: str) -> tuple[str, str]:
    """The mutated line before and after (stripped), as recorded in equivalents.toml."""
    before = [line[1:].strip() for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    after = [line[1:].strip() for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    return " ".join(before), " ".join(after)


def load_equivalents() -> dict[str, list[dict]]:
    if not EQUIVALENTS.exists():
        return {}
    entries = tomllib.loads(EQUIVALENTS.read_text(encoding="utf-8")).get("equivalent", [])
    by_module: dict[str, list[dict]] = {}
    for entry in entries:
        missing = {"module", "before", "after", "reason"} - set(entry)
        if missing or not str(entry["reason"]).strip():
            sys.exit(f"{EQUIVALENTS}: every entry needs module, before, after and a reason: {entry}")
        by_module.setdefault(entry["module"], []).append(entry)
    return by_module


def copy_tree(dest: Path) -> None:
    ignore = shutil.ignore_patterns(".git", ".venv", "instance", "uploads", "__pycache__", "*.pyc", ".ruff_cache",
                                    "node_modules", "bench", "deploy", "docs")
    for entry in ROOT.iterdir():
        if entry.name in (".git", ".venv", "instance", "uploads", "bench", "docs"):
            continue
        if entry.is_dir():
            shutil.copytree(entry, dest / entry.name, ignore=ignore, symlinks=True)
        else:
            shutil.copy2(entry, dest / entry.name)
    (dest / ".venv").symlink_to((ROOT / ".venv").resolve())


def run_module(name: str, budget: float, equivalents: list[dict]) -> dict:
    source, tests, pure = MODULES[name]
    with tempfile.TemporaryDirectory(prefix=f"mutation-{name}-") as tmp:
        work = Path(tmp)
        copy_tree(work)
        os.chdir(work)
        # No plugin autoloading (xdist, randomly, schemathesis…): seconds per mutant on a busy machine.
        os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        os.environ.pop("TEST_DATABASE_URL", None)  # SQLite
        command = f"{work}/.venv/bin/python -m pytest -p no:cacheprovider -x -q {'--noconftest ' if pure else ''}" \
                  + " ".join(tests)
        started = time.monotonic()
        outcome, output = run_tests(command, 600)
        baseline = time.monotonic() - started
        if outcome != TestOutcome.SURVIVED:
            print(f"{name}: the tests fail without any mutation:\n{output[-3000:]}")
            return {"module": name, "error": "baseline fails"}
        timeout = max(30.0, baseline * 3)
        specs = work_items(Path(source))
        random.Random(name).shuffle(specs)  # a run the budget cuts short has measured a fair sample
        result = {"module": name, "source": source, "tests": tests, "mutants": len(specs), "killed": 0,
                  "survived": [], "equivalent": [], "incompetent": 0, "not_run": 0}
        deadline, used = time.monotonic() + budget, set()
        for number, spec in enumerate(specs, 1):
            if time.monotonic() > deadline:
                result["not_run"] = len(specs) - number + 1
                break
            done = mutate_and_test([spec], command, timeout)
            if done.worker_outcome == WorkerOutcome.NO_TEST:
                result["mutants"] -= 1
                continue
            if done.test_outcome == TestOutcome.KILLED:
                result["killed"] += 1
            elif done.test_outcome == TestOutcome.INCOMPETENT:
                result["incompetent"] += 1
            else:
                before, after = changed_lines(done.diff)
                line = spec.start_pos[0]
                record = {"line": line, "operator": spec.operator_name.split("/")[1], "before": before,
                          "after": after}
                match = claim(equivalents, used, before, after)
                if match:
                    result["equivalent"].append({**record, "reason": match["reason"]})
                else:
                    result["survived"].append(record)
                    print(f"\n  SURVIVED line {line} {record['operator']}: {before}  →  {after}", flush=True)
            print(f"  {name} {number}/{len(specs)}: killed {result['killed']}, survived {len(result['survived'])}, "
                  f"equivalent {len(result['equivalent'])}", end="\r", flush=True)
        os.chdir(ROOT)
    run = result["mutants"] - result["not_run"] - result["incompetent"]
    counted = run - len(result["equivalent"])
    result["score"] = round(100 * result["killed"] / counted, 1) if counted else None
    result["raw_score"] = round(100 * result["killed"] / run, 1) if run else None
    return result


def report(result: dict) -> None:
    if "error" in result:
        return
    print(f"\n{result['module']} ({result['source']}; tests: {' '.join(result['tests'])})")
    print(f"  mutants {result['mutants']}  killed {result['killed']}  survived {len(result['survived'])}  "
          f"equivalent {len(result['equivalent'])}  incompetent {result['incompetent']}  "
          f"not run (budget) {result['not_run']}  score {result['score']} %  (raw {result['raw_score']} %)")
    for s in result["survived"]:
        print(f"  SURVIVED line {s['line']} {s['operator']}:\n      - {s['before']}\n      + {s['after']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help=f"default: all of {', '.join(MODULES)}")
    parser.add_argument("--budget", type=float, default=1800, help="seconds per module (default 1800)")
    parser.add_argument("--list", action="store_true", help="only count each module's mutants")
    parser.add_argument("--report", action="store_true",
                        help="the last figures (mutation/last-run.json) with equivalents.toml applied again")
    args = parser.parse_args()
    names = args.modules or list(MODULES)
    unknown = set(names) - set(MODULES)
    if unknown:
        parser.error(f"unknown modules {sorted(unknown)}; known: {', '.join(MODULES)}")
    if args.list:
        for name in names:
            print(f"{name}: {len(work_items(ROOT / MODULES[name][0]))} mutants")
        return 0
    equivalents = load_equivalents()
    if args.report:
        last = json.loads(LAST_RUN.read_text()) if LAST_RUN.exists() else {}
        for name in [n for n in names if n in last]:
            last[name] = rescore(last[name], equivalents.get(name, []))
            report(last[name])
        table(last, [n for n in names if n in last])
        return 0
    stale = set(equivalents) - set(MODULES)
    if stale:
        sys.exit(f"{EQUIVALENTS}: unknown modules {sorted(stale)}")
    last = json.loads(LAST_RUN.read_text()) if LAST_RUN.exists() else {}
    failed = False
    for name in names:
        result = run_module(name, args.budget, equivalents.get(name, []))
        report(result)
        result["when"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        last = json.loads(LAST_RUN.read_text()) if LAST_RUN.exists() else {}  # read again: another run may have
        last[name] = result                                                     # written its modules meanwhile
        LAST_RUN.write_text(json.dumps(last, indent=1, ensure_ascii=False) + "\n")
        failed |= "error" in result or result["score"] is None or result["score"] < 90
    table(last, names)
    return 1 if failed else 0


def claim(equivalents: list[dict], used: set[int], before: str, after: str) -> dict | None:
    """The first entry not yet used that records this change: one entry covers one mutant, never several."""
    for number, entry in enumerate(equivalents):
        if number not in used and entry["before"] == before and entry["after"] == after:
            used.add(number)
            return entry
    return None


def rescore(result: dict, equivalents: list[dict]) -> dict:
    """The result with the equivalents as recorded now (a mutant recorded after the run moves from survived)."""
    if "error" in result:
        return result
    survived, equivalent, used = [], [], set()
    for s in result["equivalent"] + result["survived"]:
        match = claim(equivalents, used, s["before"], s["after"])
        (equivalent.append({**s, "reason": match["reason"]}) if match else survived.append(s))
    result = {**result, "survived": survived, "equivalent": equivalent}
    run = result["mutants"] - result["not_run"] - result["incompetent"]
    counted = run - len(equivalent)
    result["score"] = round(100 * result["killed"] / counted, 1) if counted else None
    return result


def table(last: dict, names: list[str]) -> None:
    print("\n| module | mutants | run | killed | survived | equivalent | score after equivalents | raw | when |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in names:
        r = last[name]
        if "error" not in r:
            run = r["mutants"] - r["not_run"]
            print(f"| {name} (`{r['source']}`) | {r['mutants']} | {run} | {r['killed']} | {len(r['survived'])} | "
                  f"{len(r['equivalent'])} | {r['score']} % | {r['raw_score']} % | {r.get('when', '')} |")


if __name__ == "__main__":
    sys.exit(main())
