"""The roles of DOMAIN.md "People and roles"."""

RESIDENT = "resident"          # 举报人
INSPECTOR = "inspector"        # 网格员
OFFICER = "officer"            # 经办人
SUPERVISOR = "supervisor"      # 秦岭办
REWARD_OFFICER = "reward_officer"
REWARD_APPROVER = "reward_approver"
AUDITOR = "auditor"
ADMIN = "admin"

ALL_ROLES = (RESIDENT, INSPECTOR, OFFICER, SUPERVISOR, REWARD_OFFICER, REWARD_APPROVER, AUDITOR, ADMIN)
STAFF_ROLES = tuple(r for r in ALL_ROLES if r != RESIDENT)
