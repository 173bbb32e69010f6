"""Reward endpoints (`/api/v1/rewards…`): the desk's flow, finance, the resident's own rewards and claim."""
from flask.views import MethodView
from flask_smorest import Blueprint

from reporter.accounts.roles import ADMIN, AUDITOR, RESIDENT, REWARD_APPROVER, REWARD_OFFICER, STAFF_ROLES
from reporter.accounts.security import actor, roles_required
from reporter.api_frame import ID, link, links
from reporter.common.concurrency import IF_MATCH, expected_version
from reporter.common.limits import setting, user_or_ip
from reporter.common.pagination import paginate
from reporter.common.timeutil import FIRST_YEAR, LAST_YEAR
from reporter.extensions import limiter
from reporter.rewards import integrity, ledger, policies, reactions, schemas, services

blp = Blueprint("rewards", __name__, url_prefix="/rewards", description="Rewards (奖励): desk, finance, residents")
blueprints = [blp]
reactions.wire()

DESK = (REWARD_OFFICER, REWARD_APPROVER, AUDITOR)
ETAG_HEADER = {"ETag": {"schema": {"type": "string"}}}


def _if_match(reward_id: int) -> int | None:
    """The reward version a desk action's If-Match names; 428 when missing (the service compares it under the row
    lock, after who may act and what the state allows)."""
    return expected_version("reward", reward_id)


def _with_etag(reward):
    return reward, 200, {"ETag": services.etag(reward)}


def _wrong_proof(response) -> bool:
    """Only refused proofs (wrong tracking code or PIN) count against the claim limit."""
    return response.status_code == 403


@blp.route("")
class RewardList(MethodView):
    @roles_required(*DESK)
    @blp.arguments(schemas.RewardListArgs, location="query")
    @blp.response(200, schemas.RewardPage)
    def get(self, args):
        """The reward desk's list, newest first (`state`, `case_id`)."""
        return paginate(services.rewards_query(args.get("state"), args.get("case_id")), args["page"],
                        args["page_size"])


@blp.route("/mine")
class MyRewards(MethodView):
    @roles_required(RESIDENT)
    @blp.arguments(schemas.PageArgs, location="query")
    @blp.response(200, schemas.MyRewardPage)
    def get(self, args):
        """The signed-in resident's rewards: status, amount once told, claim deadline."""
        return paginate(services.mine_query(actor()), args["page"], args["page_size"])


@blp.route("/<int:reward_id>")
class RewardDetail(MethodView):
    @roles_required(*DESK)
    @blp.response(200, schemas.RewardOut, headers=ETAG_HEADER)
    def get(self, reward_id: int):
        """One reward with its ETag (send it as If-Match with the next action)."""
        return _with_etag(services.get_reward(reward_id))


@blp.route("/<int:reward_id>/propose")
class Propose(MethodView):
    @roles_required(REWARD_OFFICER)
    @blp.arguments(schemas.ProposeIn)
    @blp.response(200, schemas.RewardOut, headers=ETAG_HEADER)
    @blp.doc(**IF_MATCH)
    def post(self, data, reward_id: int):
        """拟定: tier, amount in fen within the tier (422 outside; 部分属实 at most half), reason."""
        return _with_etag(services.propose(reward_id, actor(), expected_version=_if_match(reward_id), **data))


@blp.route("/<int:reward_id>/approve")
class Approve(MethodView):
    @roles_required(REWARD_APPROVER, fresh=True)
    @blp.arguments(schemas.ApproveIn)
    @blp.response(200, schemas.RewardOut, headers=ETAG_HEADER)
    @blp.doc(**IF_MATCH)
    def post(self, data, reward_id: int):
        """审批 (fresh sign-in; not the proposer → 403): reserves the amount; 409 budget_exhausted past the budget."""
        return _with_etag(services.approve(reward_id, actor(), expected_version=_if_match(reward_id), **data))


@blp.route("/<int:reward_id>/reject")
class Reject(MethodView):
    @roles_required(REWARD_APPROVER)
    @blp.arguments(schemas.RejectIn)
    @blp.response(200, schemas.RewardOut, headers=ETAG_HEADER)
    @blp.doc(**IF_MATCH)
    def post(self, data, reward_id: int):
        """不予奖励 with a reason (the resident is told)."""
        return _with_etag(services.reject(reward_id, actor(), expected_version=_if_match(reward_id), **data))


@blp.route("/<int:reward_id>/notify")
class Notify(MethodView):
    @roles_required(REWARD_OFFICER, REWARD_APPROVER)
    @blp.response(200, schemas.RewardOut, headers=ETAG_HEADER)
    @blp.doc(**IF_MATCH)
    def post(self, reward_id: int):
        """告知: tell the resident through the outbox; the claim window starts."""
        return _with_etag(services.notify(reward_id, actor(), expected_version=_if_match(reward_id)))


@blp.route("/<int:reward_id>/claim")
class Claim(MethodView):
    decorators = [limiter.limit(setting("RATELIMIT_REWARD_CLAIM", "5/hour"), key_func=user_or_ip,
                                deduct_when=_wrong_proof)]

    @roles_required(RESIDENT)
    @blp.arguments(schemas.ClaimIn)
    @blp.response(200, schemas.MyRewardOut)
    def post(self, data, reward_id: int):
        """领取: real name, ID number (checksum), payout account; anonymous reports first prove code + PIN
        (wrong proofs are refused with 403 and limited, 429)."""
        version = expected_version("reward", reward_id, required=False)  # optional here: a resident's app
        return services.claim(reward_id, actor(), expected_version=version, **data)


@blp.route("/<int:reward_id>/pay")
class Pay(MethodView):
    @roles_required(*STAFF_ROLES, fresh=True)
    @blp.arguments(schemas.PayIn)
    @blp.response(200, schemas.RewardOut, headers=ETAG_HEADER)
    @blp.doc(**IF_MATCH)
    def post(self, data, reward_id: int):
        """兑付 (finance roles of the policy; fresh sign-in): record the payment reference, exactly once."""
        return _with_etag(services.pay(reward_id, actor(), expected_version=_if_match(reward_id), **data))


@blp.route("/<int:reward_id>/payee")
class Payee(MethodView):
    @roles_required(*STAFF_ROLES, fresh=True)
    @blp.response(200, schemas.PayeeDetailsOut)
    def get(self, reward_id: int):
        """The decrypted payee for finance (fresh sign-in; every view is audited)."""
        return services.payee_details(reward_id, actor())


@blp.route("/<int:reward_id>/ledger")
class RewardLedger(MethodView):
    @roles_required(*DESK)
    @blp.arguments(schemas.PageArgs, location="query")
    @blp.response(200, schemas.LedgerPage)
    def get(self, args, reward_id: int):
        """Every step of one reward: who, when, amount, budget before and after."""
        services.get_reward(reward_id)
        return paginate(ledger.entries_of(reward_id), args["page"], args["page_size"])


@blp.route("/decisions")
class Decisions(MethodView):
    @roles_required(*DESK)
    @blp.arguments(schemas.DecisionArgs, location="query")
    @blp.response(200, schemas.DecisionPage)
    def get(self, args):
        """Eligibility decisions with their reasons in words (`case_id`)."""
        return paginate(services.decisions_query(args.get("case_id")), args["page"], args["page_size"])


@blp.route("/budgets")
class Budgets(MethodView):
    @roles_required(*DESK)
    @blp.arguments(schemas.BudgetArgs, location="query")
    @blp.response(200, schemas.BudgetOut(many=True))
    def get(self, args):
        """Yearly budgets per paying unit, derived from the ledger (allotted, committed, paid, available)."""
        return ledger.balances(args.get("year"))


@blp.route(f"/budgets/<unit_code>/<int(min={FIRST_YEAR}, max={LAST_YEAR}):year>")
class BudgetRaise(MethodView):
    @roles_required(REWARD_APPROVER, ADMIN, fresh=True)
    @blp.arguments(schemas.BudgetRaiseIn)
    @blp.response(200, schemas.BudgetOut)
    def put(self, data, unit_code: str, year: int):
        """追加预算: raise a yearly budget's total (never lower), written to the ledger."""
        return services.raise_budget(actor(), unit_code, year, data["total_fen"], data["reason"].strip())


@blp.route("/policies")
class Policies(MethodView):
    @roles_required(*DESK, ADMIN)
    @blp.arguments(schemas.PageArgs, location="query")
    @blp.response(200, schemas.PolicyPage)
    def get(self, args):
        """Policy versions, newest first (one active)."""
        return paginate(policies.list_policies(), args["page"], args["page_size"])

    @roles_required(ADMIN)
    @blp.arguments(schemas.PolicyIn)
    @blp.response(201, schemas.PolicyOut)
    @blp.doc(**links(201, Activate=link("POST", "/api/v1/rewards/policies/{policy_id}/activate", policy_id=ID)))
    def post(self, data):
        """A new policy version as a draft."""
        return policies.create_draft(actor().id, data)


@blp.route("/policies/<int:policy_id>/activate")
class PolicyActivate(MethodView):
    @roles_required(ADMIN)
    @blp.response(200, schemas.PolicyOut)
    def post(self, policy_id: int):
        """Make a draft the active policy (the previous one retires)."""
        return policies.activate(actor().id, policy_id)



@blp.route("/staff-id-numbers/me")
class OwnStaffIdNumber(MethodView):
    @roles_required(*STAFF_ROLES, fresh=True)
    @blp.arguments(schemas.StaffIdNumberIn)
    @blp.response(200, schemas.StaffIdNumberOut)
    def put(self, data):
        """Register one's own ID number (staff, fresh sign-in): no reward is paid to it (staff exclusion; audited)."""
        me = actor()
        return integrity.register_staff_id_number(me, me.id, data["id_number"])


@blp.route("/staff-id-numbers/<int:user_id>")
class StaffIdNumber(MethodView):
    @roles_required(ADMIN, fresh=True)
    @blp.arguments(schemas.StaffIdNumberIn)
    @blp.response(200, schemas.StaffIdNumberOut)
    def put(self, data, user_id: int):
        """Register a staff member's ID number (admin, fresh sign-in; 404 for a user who is not staff; audited)."""
        return integrity.register_staff_id_number(actor(), user_id, data["id_number"])
