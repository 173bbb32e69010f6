"""The outbox: delivered at least once through a real HTTP WeChat stand-in, retried with backoff, never lost."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from reporter.accounts.models import User, UserRole
from reporter.common.timeutil import utcnow
from reporter.extensions import db
from reporter.notify import services
from reporter.notify.models import OutboxMessage
from reporter.notify.senders import WeChatSubscribeSender
from tests.conftest import app_ctx


@pytest.fixture()
def resident(app):
    with app_ctx(app) as session:
        user = User(wechat_openid="openid-resident", display_name="r", role_rows=[UserRole(role="resident")])
        session.add(user)
        session.commit()
        return user.id


def enqueue(app, resident, n=1):
    with app_ctx(app) as session:
        ids = [services.enqueue(resident, "report_accepted", {"report_id": "r1", "fields": {"thing1": f"m{i}"}}).id
               for i in range(n)]
        session.commit()
        return ids


def deliver(app):
    with app_ctx(app):
        return services.deliver_due(WeChatSubscribeSender(app.config))


def make_due(app):
    with app_ctx(app) as session:
        session.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        session.commit()


def states(app) -> dict:
    with app_ctx(app) as session:
        return {m.id: (m.state, m.attempts) for m in session.execute(select(OutboxMessage)).scalars()}


def test_delivers_once_with_a_cached_token(app, wechat, resident):
    ids = enqueue(app, resident, 3)
    assert deliver(app) == {"sent": 3, "retry": 0, "failed": 0}
    assert wechat.token_calls == 1
    assert len(wechat.sent_messages) == 3
    sent = wechat.sent_messages[0]
    assert sent["query"]["access_token"] == "tok-1"
    assert sent["body"]["touser"] == "openid-resident"
    assert {m["body"]["page"].split("mid=")[1].split("&")[0] for m in wechat.sent_messages} == set(ids)
    assert deliver(app) == {"sent": 0, "retry": 0, "failed": 0}
    assert len(wechat.sent_messages) == 3


def test_wechat_down_then_up_delivers_each_message_once(app, wechat, resident):
    ids = enqueue(app, resident, 2)
    wechat.down = True
    assert deliver(app) == {"sent": 0, "retry": 2, "failed": 0}
    assert deliver(app)["retry"] == 0  # backing off: not due yet
    assert all(state == ("pending", 1) for state in states(app).values())
    wechat.down = False
    make_due(app)
    assert deliver(app)["sent"] == 2
    received = [m["body"]["page"] for m in wechat.sent_messages]
    assert len(received) == 2 and all(any(i in page for page in received) for i in ids)


def test_a_refusal_is_kept_as_failed_and_can_be_retried_by_an_admin(app, wechat, resident, client, users):
    [mid] = enqueue(app, resident)
    wechat.send_errcode = 43101  # the user did not subscribe: retrying cannot help
    assert deliver(app)["failed"] == 1
    admin = users.headers(users.make("admin"))
    listed = client.get("/api/v1/admin/outbox?state=failed", headers=admin).get_json()
    assert [m["id"] for m in listed["items"]] == [mid] and "43101" in listed["items"][0]["last_error"]
    assert client.get("/api/v1/admin/outbox", headers=users.headers(users.make("supervisor"))).status_code == 403
    wechat.send_errcode = 0
    assert client.post(f"/api/v1/admin/outbox/{mid}/retry", headers=admin).status_code == 200
    assert deliver(app)["sent"] == 1


def test_only_a_failed_message_is_retried_and_each_retry_is_audited(app, wechat, resident, client, users):
    [mid] = enqueue(app, resident)
    admin_id = users.make("admin")
    admin = users.headers(admin_id)
    assert deliver(app)["sent"] == 1
    again = client.post(f"/api/v1/admin/outbox/{mid}/retry", headers=admin)  # sent: a retry would send it twice
    assert again.status_code == 409 and again.get_json()["error"] == "not_failed"
    with app_ctx(app) as session:
        assert session.get(OutboxMessage, mid).state == "sent"
        session.execute(update(OutboxMessage).where(OutboxMessage.id == mid).values(state="failed"))
        session.commit()
    assert client.post(f"/api/v1/admin/outbox/{mid}/retry", headers=admin).status_code == 200
    audited = client.get("/api/v1/audit-events", headers=admin, query_string={"action": "outbox.retry"}).get_json()
    assert [(e["actor_id"], e["target_id"]) for e in audited["items"]] == [(admin_id, mid)]


def test_crash_between_send_and_mark_resends_with_the_same_message_id(app, wechat, resident):
    [mid] = enqueue(app, resident)
    with app_ctx(app) as session:  # a worker sends, then dies before committing its outcome
        message = session.get(OutboxMessage, mid)
        WeChatSubscribeSender(app.config).send(message, "openid-resident")
        session.rollback()
    assert deliver(app)["sent"] == 1
    mids = [m["body"]["page"].split("mid=")[1].split("&")[0] for m in wechat.sent_messages]
    assert mids == [mid, mid]  # delivered twice, the receiver drops the repeat by its id
    assert len(set(mids)) == 1


def test_backoff_grows_and_is_capped():
    assert services.backoff(1) == timedelta(seconds=30)
    assert services.backoff(3) == timedelta(seconds=120)
    assert services.backoff(30) == timedelta(hours=6)


def test_message_to_a_user_without_wechat_fails_permanently(app, users):
    uid = users.make("officer")
    with app_ctx(app) as session:
        services.enqueue(uid, "report_accepted", {})
        session.commit()
    assert deliver(app)["failed"] == 1
    with app_ctx(app) as session:
        assert session.execute(select(OutboxMessage.state)).scalar_one() == "failed"
        assert db.session is session


def test_a_send_answered_with_an_error_status_is_retried_not_counted_as_sent(app, wechat, resident):
    """An HTTP 500 whose body says errcode 0 is not a delivery."""
    [mid] = enqueue(app, resident)
    wechat.answer_raw("/cgi-bin/message/subscribe/send", 500, b'{"errcode": 0, "errmsg": "ok"}')
    assert deliver(app) == {"sent": 0, "retry": 1, "failed": 0}
    assert states(app)[mid] == ("pending", 1)


def test_a_token_answered_with_an_error_status_or_a_huge_body_is_retried(app, wechat, resident):
    [mid] = enqueue(app, resident)
    wechat.answer_raw("/cgi-bin/token", 502, b'{"access_token": "tok-from-an-error-page", "expires_in": 7200}')
    assert deliver(app) == {"sent": 0, "retry": 1, "failed": 0}
    wechat.answer_raw("/cgi-bin/token", 200, b" " * (50 * 1024 * 1024) + b'{"access_token": "t", "expires_in": 7200}')
    make_due(app)
    assert deliver(app) == {"sent": 0, "retry": 1, "failed": 0}
    assert wechat.raw_bytes_written < 16 * 1024 * 1024
    assert not wechat.sent_messages
