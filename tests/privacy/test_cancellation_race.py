"""Cancelling while a report is being submitted (PostgreSQL's real concurrency): the cancellation locks the account
row, which the new report's reference to it holds (FOR KEY SHARE) until the submission commits, so it waits for the
submission under way and then makes its report anonymous like the others; nothing named is left behind."""
import threading
import time

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from reporter.accounts.models import User
from reporter.extensions import db
from reporter.privacy.cancellation import cancel
from reporter.reports.models import Report
from reporter.reports.schemas import ReportIn
from reporter.reports.services import submit_report
from tests.conftest import app_ctx
from tests.reports.conftest import report_body

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _postgres_only(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("real row locks need PostgreSQL")


def test_a_report_submitted_while_the_account_is_cancelled_ends_anonymous(app, town):
    town.resident("chen")
    user_id, photo = town.ids["chen"], town.upload("chen")
    committing, submitted = threading.Event(), {}

    def slow_commit(_session):  # the submission has written its rows and holds its locks: linger a moment
        if threading.current_thread() is submitted.get("thread"):
            committing.set()
            time.sleep(1.0)

    def submit():
        with app_ctx(app) as session:
            report = submit_report(session.get(User, user_id), ReportIn().load(report_body([photo])), None)
            submitted["report_id"] = report.id

    event.listen(Session, "before_commit", slow_commit)
    try:
        submitted["thread"] = threading.Thread(target=submit)
        submitted["thread"].start()
        assert committing.wait(10)
        with app_ctx(app):
            answer = cancel(user_id)
        submitted["thread"].join(10)
    finally:
        event.remove(Session, "before_commit", slow_commit)
    assert answer["erased"]["reports_made_anonymous"] == 1
    with app_ctx(app) as session:
        report = session.get(Report, submitted["report_id"])
        assert report.anonymous and report.contact_ciphertext is None
