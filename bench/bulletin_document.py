"""Bulletin document benchmark: the PDF 月通报 for October 2026 over 200,000 generated cases (bench/stats.py's data:
cases with their events and 2,000 inspectors' patrols) against a fresh, uncached computation of the bulletin's
figures alone (`bulletin(fresh=True)`, not the stored ones), same run. Target: the PDF within 2x; exits 1 on a miss
(bench/verdict.py).

The PDF computes the month's figures afresh too; the previous eleven months' on-time counts (the trend and the change
from last month) are a finished month's figures, stored once computed (stats_month_results): they are filled first,
untimed and reported, as the first document made after each month does once.

    .venv/bin/python bench/bulletin_document.py [--cases 200000] [--inspectors 2000] [--repeat 3]
    .venv/bin/python bench/bulletin_document.py --cases 20000 --inspectors 200 --example docs/bulletin
      (also writes the example DOCX, PDF and page-1 PNG shown in the README)
"""
import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cases import database, make_app  # noqa: E402
from bench.stats import MONTH, prepare, timed  # noqa: E402
from bench.verdict import Verdict  # noqa: E402
from reporter.extensions import db  # noqa: E402
from reporter.stats import document  # noqa: E402
from reporter.stats.bulletin import bulletin, month_of  # noqa: E402

TARGET = 2.0
NUMBER = 11


def write_example(app, folder: Path) -> None:
    """The example month's document as DOCX and PDF, and page 1 of the PDF as PNG (pdftoppm)."""
    folder.mkdir(parents=True, exist_ok=True)
    with app.app_context():
        made = document.make(MONTH, number=NUMBER)
        (folder / f"bulletin-{MONTH}.docx").write_bytes(document.render(made, "docx"))
        (folder / f"bulletin-{MONTH}.pdf").write_bytes(document.render(made, "pdf"))
        db.session.remove()
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                        str(folder / f"bulletin-{MONTH}.pdf"), str(folder / f"bulletin-{MONTH}-page1")], check=True)
    print(f"example written to {folder}/")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--inspectors", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--example", type=Path, default=None, help="write the example document to this folder")
    opts = parser.parse_args()
    with database(False) as url, tempfile.TemporaryDirectory() as tmp:
        app = make_app(url, tmp)
        prepare(app, opts.cases, opts.inspectors)
        with app.app_context():
            began = time.perf_counter()
            for past in document._previous(month_of(MONTH), document.TREND_MONTHS - 1):
                document.finished_month_counties(past)
            print(f"previous {document.TREND_MONTHS - 1} months' on-time counts computed and kept in "
                  f"{time.perf_counter() - began:.1f} s (once per month, not timed)", flush=True)
            db.session.remove()
        figures, report = timed(app, lambda: bulletin(MONTH, fresh=True), opts.repeat)
        # The document's own figures are computed afresh too (a past month's are stored once computed; the first
        # document of a month pays for them, and that is what is compared)
        pdf, body = timed(app, lambda: document.render(document.make(
            MONTH, number=NUMBER, report=bulletin(MONTH, fresh=True)), "pdf"), opts.repeat)
        content, made = timed(app, lambda: document.make(MONTH, number=NUMBER, report=bulletin(MONTH, fresh=True)),
                              opts.repeat)
        layout, _ = timed(app, lambda: document.render(made, "pdf"), opts.repeat)
        received = sum(row["received"] for row in report["counties"])
        print(f"month {MONTH}: {received:,} cases received, {len(report['units'])} units, "
              f"{len(report['inspectors']):,} inspectors; PDF {len(body) / 1024:.0f} KiB")
        print(f"bulletin figures (fresh, uncached): median {figures * 1000:8.1f} ms")
        print(f"PDF document (figures + text + charts + layout): median {pdf * 1000:8.1f} ms")
        print(f"  of which: figures, text and charts {content * 1000:.1f} ms; layout and fonts (WeasyPrint) "
              f"{layout * 1000:.1f} ms")
        verdict = Verdict("bulletin document")
        verdict.at_most("PDF / fresh bulletin figures", pdf / figures, TARGET)
        if opts.example:
            write_example(app, opts.example)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    verdict.exit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
