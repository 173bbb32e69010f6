"""zh-CN words for the codes the services speak (presentation only: no rule lives here)."""
import re

STATES = {"submitted": "待受理", "accepted": "已立案待派遣", "dispatched": "待签收", "in_progress": "处置中",
          "pending_verification": "待核查", "verified": "已核查待结案", "closed": "已结案", "rejected": "不予受理"}
ACTIONS = {"accept": "立案受理", "reject": "不予受理", "dispatch": "派遣", "sign": "签收", "return": "退回",
           "submit_result": "处置反馈", "request_extension": "申请延期", "decide_extension": "审批延期",
           "verify": "核查", "close": "结案", "reopen": "重新办理", "decide_recurrence": "疑似反弹研判",
           "supervise": "挂牌督办", "hand_over": "移交", "open": "登记", "overdue": "超期",
           "recurrence": "疑似反弹回潮"}
SOURCES = {"citizen_report": "群众举报", "patrol": "网格巡查", "video": "视频监控", "undercover": "暗访暗查",
           "superior": "上级交办"}
ROLES = {"resident": "举报人", "inspector": "网格员", "officer": "经办人", "supervisor": "秦岭办",
         "reward_officer": "奖励经办", "reward_approver": "奖励审批", "auditor": "审计", "admin": "管理员",
         "system": "系统"}
FINDINGS = {"true": "属实", "partly_true": "部分属实", "false": "不属实"}
REJECT_REASONS = {"out_of_scope": "不属于受理范围", "insufficient": "信息不足", "duplicate": "重复举报"}
SUPERVISION_LEVELS = {"city": "市级督办", "county": "县级督办"}
HANDOVER_BODIES = {"discipline": "纪委监委", "procuratorate": "检察院", "police": "公安机关"}
RECURRENCE_DECISIONS = {"reopen": "整改不到位，重新办理", "new_case": "同址新问题，另行立案",
                        "reject": "同一问题已办结，不予受理"}
STAGES = {"accept": "受理", "sign": "签收", "handle": "处置", "verify": "核查", "recurrence": "反弹研判"}
SORTS = {"newest": "最新", "age": "最早", "deadline": "期限最近"}
REPORT_FIELDS = {"id": "举报编号", "reporter": "举报人", "created_at": "举报时间", "description": "举报内容",
                 "address": "地址", "supplements_total": "补充材料", "anonymous": "匿名举报",
                 "wants_reward": "申请奖励", "joined_existing": "并入已有案件", "primary": "首报",
                 "location": "位置", "flags": "提示", "lat": "纬度", "lng": "经度", "coord_system": "坐标系",
                 "accuracy_m": "精度（米）"}
YES_NO = {"True": "是", "False": "否"}
ERRORS = {  # the one error shape's codes, in words for officials
    "precondition_failed": "案件已被他人更新，以下是最新内容，请确认后重新操作。",
    "invalid_transition": "案件当前状态不允许此操作。",
    "forbidden": "您的角色无权进行此操作。",
    "not_found": "没有找到该案件，或您无权查看。",
    "validation_failed": "填写内容有误，请按提示修改。",
    "action_unavailable": "此操作现在不可用。",
    "invalid_credentials": "用户名或密码错误。",
    "rate_limited": "尝试次数过多，请稍后再试。",
    "csrf": "页面已过期，请刷新后重试。",
}
ALL = {"states": STATES, "actions": ACTIONS, "sources": SOURCES, "roles": ROLES, "findings": FINDINGS,
       "reject_reasons": REJECT_REASONS, "supervision_levels": SUPERVISION_LEVELS,
       "handover_bodies": HANDOVER_BODIES, "recurrence_decisions": RECURRENCE_DECISIONS, "stages": STAGES,
       "sorts": SORTS, "report_fields": REPORT_FIELDS, "yes_no": YES_NO}


def error_text(error: str, message: str) -> str:
    """The officials' sentence for an error code (the service's own message when none is known)."""
    return ERRORS.get(error, message)

# Registers and campaigns (issue 20) -------------------------------------------------------------------------------
SITE_EVENTS = {"register": "登记", "edit": "修改", "import": "导入", "state": "状态变更"}
SITE_FIELDS = {"code": "编号", "name": "名称", "operator": "运营单位", "address": "地址", "attributes": "字段",
               "geometry": "位置", "state": "状态", "county_adcode": "县区", "zone": "保护区", "grid_id": "网格"}
RECURRENCE_STATES = {"pending": "待研判", "reopened": "重新办理", "new_case": "另行立案", "rejected": "不予受理"}
UNIT_RELATIONS = {"lead": "牵头", "cooperating": "配合", "supervising": "监督", "government": "属地政府"}
ALL.update(site_events=SITE_EVENTS, site_fields=SITE_FIELDS, recurrence_states=RECURRENCE_STATES,
           unit_relations=UNIT_RELATIONS)
ERRORS.update({
    "open_cases": "该站点还有未办结的案件，办结后才能销号。",
    "duplicate_code": "本类站点已有此编号。",
})

# A sheet's row problems (reporter/registers/site_sheets.py, kinds.read_cell, marshmallow) in officials' words.
IMPORT_PROBLEMS = [
    (r"^is required \(at most (\d+) characters\)$", r"必填，最多 \1 个字"),
    (r"^at most (\d+) characters$", r"最多 \1 个字"),
    (r"^repeats row (\d+)$", r"与第 \1 行编号重复"),
    (r"^unknown state '(.*)'$", r"没有“\1”这个状态"),
    (r"^a new site cannot start closed off$", "新登记的站点不能是销号状态"),
    (r"^the site has open cases; it cannot be closed off$", "该站点还有未办结的案件，不能销号"),
    (r"^not a whole number: '(.*)'$", r"“\1”不是整数"),
    (r"^not a number: '(.*)'$", r"“\1”不是数字"),
    (r"^not 是 or 否: '(.*)'$", r"“\1”应填“是”或“否”"),
    (r"^not a date \(YYYY-MM-DD\): '(.*)'$", r"“\1”不是日期（年-月-日）"),
    (r"^Must be one of: (.*)\.$", r"应为以下之一：\1"),
    (r"^Missing data for required field\.$", "必填"),
    (r"^the place is outside your county$", "位置不在您所在的县区"),
    (r"^a site of another county has this code$", "其他县区的站点已使用此编号"),
    (r"^unknown coordinate system '(.*)'$", r"没有“\1”这个坐标系（填 WGS-84 或 GCJ-02）"),
    (r"^not GeoJSON$", "不是 GeoJSON"),
]


def import_problem(message: str) -> str:
    """One problem of a sheet's row in Chinese (the service's words when no pattern knows it)."""
    for pattern, words in IMPORT_PROBLEMS:
        if re.match(pattern, message):
            return re.sub(pattern, words, message)
    return message
