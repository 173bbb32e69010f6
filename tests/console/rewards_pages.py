"""The reward desk's people and rewards for the console tests (page, browser and screenshot tests share them).

Three people at the desk: a proposer (奖励经办, who also holds the approver role, so only the two-person rule can
refuse their approval), an approver, and finance (another approver: the policy's finance role). Rewards are made by
the rewards service as a case's closing makes them (tests/rewards/support.py)."""
import itertools
from dataclasses import dataclass, field

from reporter.accounts.models import User
from tests.conftest import app_ctx
from tests.console.conftest import PASSWORD
from tests.rewards.support import claim_body, make_reward

_seq = itertools.count(1)
DISPLAY_NAMES = {"proposer": "李明", "approver": "王芳", "finance": "赵敏", "officer": "陈刚", "auditor": "周静",
                 "admin": "刘洋"}


@dataclass
class RewardWorld:
    app: object
    client: object
    users: object
    ids: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)

    @classmethod
    def make(cls, app, client, users) -> "RewardWorld":
        w = cls(app, client, users)
        n = next(_seq)
        for who, roles in [("proposer", ("reward_officer", "reward_approver")), ("approver", ("reward_approver",)),
                           ("finance", ("reward_approver",)), ("officer", ("reward_officer",)),
                           ("auditor", ("auditor",)), ("admin", ("admin",)), ("case_officer", ("officer",))]:
            w.names[who] = f"rw{n}_{who}"
            w.ids[who] = users.make(*roles, username=w.names[who], password=PASSWORD)
        with app_ctx(app) as session:  # staff act in their own names on the desk's pages
            for who, name in DISPLAY_NAMES.items():
                session.get(User, w.ids[who]).display_name = name
            session.commit()
        w.names["resident"] = f"rw{n}_resident_zhang"
        w.ids["resident"] = users.make("resident", username=w.names["resident"])
        return w

    def reward(self, **kwargs) -> int:
        """An eligible reward of the resident's report (anonymous=True: an anonymous report with a PIN)."""
        if kwargs.get("anonymous"):
            kwargs.setdefault("pin", "135790")
        return make_reward(self.app, self.ids["resident"], **kwargs)

    def api(self, who: str, method: str, path: str, **kwargs):
        headers = self.users.headers(self.ids[who])
        if method != "get" and path.count("/") >= 2 and path.split("/")[1].isdecimal():
            etag = self.client.get(f"/api/v1/rewards/{path.split('/')[1]}", headers=headers).headers["ETag"]
            headers["If-Match"] = etag
        return getattr(self.client, method)(f"/api/v1/rewards{path}", headers=headers, **kwargs)

    def step(self, reward_id: int, action: str, who: str, body: dict | None = None) -> dict:
        response = self.api(who, "post", f"/{reward_id}/{action}", json=body or {})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def to_state(self, reward_id: int, state: str, *, amount_fen=80_000, tracking_code=None, pin=None) -> int:
        """Take a reward through the API (the same services) up to `state`."""
        order = ["proposed", "approved", "notified", "claimed", "paid"]
        steps = {"proposed": ("propose", "officer", {"tier": "general", "amount_fen": amount_fen,
                                                      "reason": "举报属实，现场查获盗伐林木"}),
                 "approved": ("approve", "approver", None), "notified": ("notify", "officer", None),
                 "paid": ("pay", "finance", {"payment_reference": f"NX-2026-{reward_id:06d}"})}
        for target in order[:order.index(state) + 1]:
            if target == "claimed":
                extra = {"tracking_code": tracking_code, "pin": pin} if tracking_code else {}
                response = self.client.post(f"/api/v1/rewards/{reward_id}/claim", json=claim_body(**extra),
                                            headers=self.users.headers(self.ids["resident"]))
                assert response.status_code == 200, response.get_json()
            else:
                self.step(reward_id, *steps[target])
        return reward_id


class RewardPage:
    """The reward desk in the browser, as an official uses it (an `Official` of tests/console/browser.py)."""

    def __init__(self, official, reward_id: int):
        self.official, self.page, self.reward_id = official, official.page, reward_id

    @classmethod
    def open(cls, official, reward_id: int) -> "RewardPage":
        official.visit(f"/console/rewards/{reward_id}")
        return cls(official, reward_id)

    def _settle(self) -> "RewardPage":
        self.page.wait_for_load_state("load")
        self.official.browser.check_accessibility(self.page)
        return self

    def state(self) -> str:
        return self.page.locator("h1 .state").inner_text()

    def message(self) -> str:
        alert = self.page.locator("[role=alert], [role=status]")
        return alert.first.inner_text() if alert.count() else ""

    def act(self, title: str, *, fields: dict | None = None, choose: dict | None = None) -> "RewardPage":
        """Open a one-form action (提名, 不予奖励, 通知举报人) by its title, fill it by labels and submit it."""
        form = self.page.locator("details.action", has=self.page.get_by_text(title, exact=True))
        if not form.evaluate("details => details.open"):
            form.locator("summary").click()
        for label, value in (choose or {}).items():
            form.get_by_label(label).select_option(label=value)
        for label, value in (fields or {}).items():
            form.get_by_label(label).fill(value)
        form.get_by_role("button", name=title).click()
        return self._settle()

    def follow(self, link_id: str, password: str | None = None) -> "RewardPage":
        """The 审批 or 登记支付 link; with a password, confirm the identity when the page asks for it."""
        self.page.locator(f"#{link_id}").click()
        self._settle()
        if password is not None and "确认身份" in self.official.heading():
            self.page.get_by_label("密码").fill(password)
            self.page.get_by_role("button", name="确认").click()
            self._settle()
        return self

    def submit(self, button: str, fields: dict | None = None) -> "RewardPage":
        for label, value in (fields or {}).items():
            self.page.get_by_label(label).fill(value)
        self.page.get_by_role("button", name=button).click()
        return self._settle()
