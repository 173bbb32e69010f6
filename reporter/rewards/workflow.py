"""The reward state machine in one table: which action leads from which states to which, and who may take it.

eligible → proposed → approved | rejected;  approved → notified → claimed → paid;  notified → expired (sweep);
any unpaid, unrejected reward → expired when its resident forfeits it on cancelling their account (注销).
Each action writes the ledger entry of the same kind as its target state, once per reward.
"""
from dataclasses import dataclass

from reporter.accounts.roles import RESIDENT, REWARD_APPROVER, REWARD_OFFICER
from reporter.errors import InvalidTransition

FINANCE = "finance"  # the policy's finance roles (reward_approver by default)
SYSTEM = "system"    # the sweep
SELF = "self"        # the resident's own account cancellation


NOT_DESK_ACTIONS = ("expire", "forfeit")  # taken by the sweep or by the resident, never a button of the desk


@dataclass(frozen=True)
class Transition:
    """An action of the reward flow."""

    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]


TRANSITIONS: dict[str, Transition] = {
    "propose": Transition(("eligible",), "proposed", (REWARD_OFFICER,)),              # 拟定奖励
    "approve": Transition(("proposed",), "approved", (REWARD_APPROVER,)),             # 审批 (another person)
    "reject": Transition(("eligible", "proposed"), "rejected", (REWARD_APPROVER,)),   # 不予奖励
    "notify": Transition(("approved",), "notified", (REWARD_OFFICER, REWARD_APPROVER)),  # 告知举报人
    "claim": Transition(("notified",), "claimed", (RESIDENT,)),                       # 领取
    "pay": Transition(("claimed",), "paid", (FINANCE,)),                              # 兑付
    "expire": Transition(("notified",), "expired", (SYSTEM,)),                        # 逾期未领
    "forfeit": Transition(("eligible", "proposed", "approved", "notified", "claimed"), "expired", (SELF,)),  # 放弃
}


def target_of(action: str, state: str) -> str:
    """The state `action` leads to from `state`; 409 invalid_transition when it is not allowed there."""
    transition = TRANSITIONS[action]
    if state not in transition.sources:
        raise InvalidTransition(
            f"Cannot {action} a reward that is {state} (allowed from: {', '.join(transition.sources)})",
            errors={"state": [state]})
    return transition.target
