"""Reporters are told: accepted, rejected with the reason, closed with the result, reward decided — through the
outbox and the WeChat stand-in, delivered after WeChat was down, each message received once."""
from datetime import timedelta

from sqlalchemy import select, update

from reporter.common.timeutil import utcnow
from reporter.notify.models import OutboxMessage
from reporter.notify.senders import WeChatSubscribeSender
from reporter.notify.services import deliver_due
from reporter.reports.models import Report
from reporter.reports.reactions import notify_reward_decided
from tests.conftest import app_ctx
from tests.reports.conftest import NINGSHAN

NEAR = (NINGSHAN[0] + 0.001, NINGSHAN[1])


def deliver(town) -> dict:
    with app_ctx(town.app):
        return deliver_due(WeChatSubscribeSender(town.app.config))


def make_due(town) -> None:
    town.query(lambda s: (s.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1))),
                          s.commit()))


def received(wechat) -> list[dict]:
    """What the mini-program shows: messages with a repeated message id (mid) are dropped, as the receiver does."""
    seen, shown = set(), []
    for message in wechat.sent_messages:
        mid = message["body"]["page"].split("mid=")[1].split("&")[0]
        if mid not in seen:
            seen.add(mid)
            shown.append(message["body"])
    return shown


def test_after_wechat_was_down_every_reporter_gets_each_message_once(town, wechat):
    town.resident("first")
    town.resident("second")
    first = town.submit("first").get_json()
    second = town.submit("second", where=NEAR).get_json()
    assert not town.query(lambda s: s.execute(select(OutboxMessage)).all())  # nothing to say on submission

    wechat.down = True
    town.act(first["case_id"], "city_sup", "accept", public_comment="已立案")
    assert deliver(town) == {"sent": 0, "retry": 2, "failed": 0}
    assert deliver(town)["retry"] == 0  # backing off
    make_due(town)
    assert deliver(town)["retry"] == 2  # still down
    wechat.down = False
    make_due(town)
    assert deliver(town)["sent"] == 2
    assert deliver(town) == {"sent": 0, "retry": 0, "failed": 0}

    shown = received(wechat)
    assert sorted((m["touser"], m["data"]["phrase2"]["value"]) for m in shown) == [
        ("openid-first", "已受理"), ("openid-second", "已受理")]
    assert len(wechat.sent_messages) == len(shown)  # none twice
    pages = {m["touser"]: m["page"] for m in shown}
    assert f"id={first['id']}" in pages["openid-first"] and f"id={second['id']}" in pages["openid-second"]


def test_rejection_tells_the_reason(town, wechat):
    town.resident("r")
    created = town.submit("r").get_json()
    town.act(created["case_id"], "city_sup", "reject", reason_code="out_of_scope",
             public_comment="属于民事纠纷", internal_comment="不要告诉举报人这句")
    assert deliver(town)["sent"] == 1
    [message] = received(wechat)
    assert message["data"]["phrase2"]["value"] == "不予受理"
    assert message["data"]["thing3"]["value"] == "不属于受理范围：属于民事纠纷"
    assert "不要告诉" not in str(message)


def test_closing_tells_the_public_result_and_rewards_tell_the_decision(town, wechat):
    town.resident("r")
    created = town.submit("r").get_json()
    town.close(created["case_id"])
    with app_ctx(town.app) as session:
        notify_reward_decided(session.get(Report, created["id"]), approved=True, amount_fen=50000)
        session.commit()
    assert deliver(town)["sent"] == 3
    words = [(m["data"]["phrase2"]["value"], m["data"]["thing3"]["value"]) for m in received(wechat)]
    assert words == [("已受理", "您的举报已受理，正在办理"), ("已办结", "已责令停止砍伐并补种树苗"),
                     ("奖励已核定", "奖励金额500.00元")]
    kinds = town.query(lambda s: [m.kind for m in s.execute(select(OutboxMessage)
                                                            .order_by(OutboxMessage.created_at)).scalars()])
    assert sorted(kinds) == ["case_closed", "report_accepted", "reward_decided"]


def test_messages_use_the_configured_templates_and_pages(make_app, users, wechat):
    from tests.reports.conftest import Town

    app = make_app(WECHAT_TEMPLATES='{"report_accepted": "tmpl-accepted-001"}',
                   WECHAT_PAGES='{"report_accepted": "pages/report/detail"}')
    town = Town(app, app.test_client(), users, wechat)
    town.city_sup = users.make("supervisor", unit_code="city.qinling_office")
    town.ids["city_sup"] = town.city_sup
    town.resident("r")
    created = town.submit("r").get_json()
    town.do(created["case_id"], "city_sup", "accept")
    assert deliver(town)["sent"] == 1
    [message] = received(wechat)
    assert message["template_id"] == "tmpl-accepted-001"
    assert message["page"].startswith("pages/report/detail?mid=") and message["page"].endswith(f"id={created['id']}")
