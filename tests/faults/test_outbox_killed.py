"""The outbox worker killed between sending a message and marking it sent: the message goes out again and the
receiver, which drops repeats by the message id (`mid` in the page path), shows it once.

The worker is the operator's `flask outbox run --once`, a real process; the WeChat stand-in kills it with SIGKILL
after taking the message and before answering, which is the worst moment: WeChat has it, our database does not know.
"""
import json
import os
import signal
import subprocess
import threading
import time
from urllib.parse import parse_qs, urlparse

from sqlalchemy import select

from reporter.accounts.models import User, UserRole
from reporter.extensions import db
from reporter.notify.models import OutboxMessage
from reporter.notify.services import enqueue
from tests.conftest import app_ctx
from tests.faults.servers import BIN, ROOT, SECRETS
from tests.support.wechat_stub import WeChatStub


class Receiver(WeChatStub):
    """WeChat that counts deliveries, shows each message id once, and can kill the sender mid-call."""

    def __init__(self):
        super().__init__()
        self.victim: subprocess.Popen | None = None
        self.armed = threading.Event()

    def seen(self) -> list[str]:
        """What the resident sees: message ids in arrival order, repeats dropped."""
        mids: list[str] = []
        for message in self.sent_messages:
            mid = parse_qs(urlparse(message["body"]["page"]).query)["mid"][0]
            if mid not in mids:
                mids.append(mid)
        return mids

    def _handler(self):
        base, stub = super()._handler(), self

        class Handler(base):
            def do_POST(self):
                if not (stub.armed.is_set() and self.path.startswith("/cgi-bin/message/subscribe/send")):
                    return super().do_POST()
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with stub.lock:
                    stub.sent_messages.append({"query": {}, "body": body})
                stub.armed.clear()
                while stub.victim is None:
                    time.sleep(0.01)
                os.kill(stub.victim.pid, signal.SIGKILL)  # delivered, and the sender dies before it hears so
                stub.victim.wait()

        return Handler


def _worker(app, receiver: Receiver) -> subprocess.Popen:
    env = {**os.environ, **SECRETS, "FLASK_APP": "wsgi.py", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "UPLOAD_ROOT": app.config["UPLOAD_ROOT"], "REPORTER_INSTANCE": app.config["INSTANCE_PATH"],
           "WECHAT_API_BASE": receiver.base_url, "WECHAT_APPID": "wx-outbox", "WECHAT_SECRET": "s"}
    env.pop("REDIS_URL", None)
    return subprocess.Popen([str(BIN / "flask"), "outbox", "run", "--once"], cwd=ROOT, env=env,  # noqa: S603
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _message(app, message_id: str) -> OutboxMessage:
    with app_ctx(app) as session:
        message = session.get(OutboxMessage, message_id)
        session.expunge(message)
        return message


def test_a_worker_killed_after_sending_sends_again_and_the_resident_sees_it_once(app):
    with app_ctx(app):
        resident = User(wechat_openid="openid-outbox-fault", display_name="微信用户",
                        role_rows=[UserRole(role="resident")])
        db.session.add(resident)
        db.session.flush()
        message_id = enqueue(resident.id, "report_accepted", {"report_id": "r-1", "fields": {"thing1": "已受理"}}).id
        db.session.commit()
    receiver = Receiver().start()
    try:
        receiver.armed.set()
        first = _worker(app, receiver)
        receiver.victim = first
        first.wait(timeout=180)
        assert first.returncode == -signal.SIGKILL, first.stderr.read()
        assert len(receiver.sent_messages) == 1
        left = _message(app, message_id)
        assert left.state == "pending" and left.sent_at is None  # the worker never marked it

        second = _worker(app, receiver)
        out, err = second.communicate(timeout=180)
        assert second.returncode == 0, err
        assert out.strip() == "sent=1 retry=0 failed=0"
        third = _worker(app, receiver)
        out, err = third.communicate(timeout=180)
        assert out.strip() == "sent=0 retry=0 failed=0"  # nothing is sent a third time
    finally:
        receiver.stop()
    assert len(receiver.sent_messages) == 2          # delivered again (at least once) ...
    assert receiver.seen() == [message_id]           # ... and seen once, by its id
    assert {m["body"]["touser"] for m in receiver.sent_messages} == {"openid-outbox-fault"}
    done = _message(app, message_id)
    assert done.state == "sent" and done.sent_at is not None
    with app_ctx(app) as session:
        assert session.execute(select(OutboxMessage.state)).scalars().all() == ["sent"]
