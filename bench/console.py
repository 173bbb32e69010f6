"""Console benchmark: the case list page (/console/cases, HTML, cookie session) against the API's list
(GET /api/v1/cases, JSON, bearer token) for the same officer, filter and page, in the same run, interleaved, with
200,000 generated cases (the data and database of bench/cases.py). Prints the ratio of median server times; the
target is console ≤ 1.5 × API; exits 1 on a miss.

    .venv/bin/python bench/console.py [--sqlite] [--cases 200000] [--repeat 30]
"""
import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cases import OFFICER_UNIT, database, make_app, prepare  # noqa: E402
from verdict import Verdict  # noqa: E402

from reporter.accounts.models import User  # noqa: E402
from reporter.accounts.services import open_session  # noqa: E402
from reporter.extensions import db  # noqa: E402

TARGET = 1.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead of PostgreSQL")
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=30)
    opts = parser.parse_args()
    verdict = Verdict("console")
    with database(opts.sqlite) as url, tempfile.TemporaryDirectory() as tmp:
        app = make_app(url, tmp)
        officer_id, unit_id, headers = prepare(app, opts.cases)
        api_client, console = app.test_client(), app.test_client()
        with app.app_context():  # the console's sign-in, without the form (bench/cases.py's app has no limiter)
            record = open_session(db.session.get(User, officer_id), "console")
            db.session.commit()
            sid = record.id
            db.session.remove()
        with console.session_transaction() as cookie:
            cookie.update(sid=sid, uid=officer_id, fresh_until=0)
        print(f"database: {url.split(':')[0]}; officer of {OFFICER_UNIT}")
        for name, query in (("unit + in_progress", {"unit": str(unit_id), "status": "in_progress"}),
                            ("all in scope, by deadline", {"sort": "deadline"})):
            for page in (1, 500):
                q = {**query, "page": page, "page_size": 20}

                def api(q=q):
                    resp = api_client.get("/api/v1/cases", query_string=q, headers=headers)
                    assert resp.status_code == 200
                    return resp.get_json()

                def page_html(q=q):
                    resp = console.get("/console/cases", query_string=q)
                    assert resp.status_code == 200
                    return resp.get_data(as_text=True)

                body, html = api(), page_html()  # warm-up, and the same cases both ways
                ids = [int(x) for x in re.findall(r'data-case-id="(\d+)"', html)]
                assert ids == [c["id"] for c in body["items"]], "the page and the API list different cases"
                times: tuple[list[float], list[float]] = ([], [])
                for _ in range(opts.repeat):
                    for fn, bucket in ((api, times[0]), (page_html, times[1])):
                        began = time.perf_counter()
                        fn()
                        bucket.append(time.perf_counter() - began)
                api_ms, console_ms = (1000 * statistics.median(t) for t in times)
                print(f"{name:<26} page {page:>3} of {body['total']:,}: API {api_ms:7.1f} ms | console page "
                      f"{console_ms:7.1f} ms", flush=True)
                verdict.at_most(f"console page / API, {name}, page {page}", console_ms / api_ms, TARGET)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    verdict.exit()


if __name__ == "__main__":
    main()
