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

# The reward desk (奖励) -------------------------------------------------------------------------------------------
REWARD_STATES = {"eligible": "待提名", "proposed": "待审批", "approved": "待通知", "notified": "待领取",
                 "claimed": "待支付", "paid": "已支付", "rejected": "已拒绝", "expired": "已过期"}
REWARD_ACTIONS = {"propose": "提名", "approve": "审批通过", "reject": "不予奖励", "notify": "通知举报人",
                  "claim": "领取", "pay": "登记支付", "expire": "逾期未领", "forfeit": "放弃"}
REWARD_CHECKS = {"finding": "核实情况属实或部分属实", "opted_in": "举报人申请奖励", "first_reporter": "首报",
                 "not_known_before": "此前未掌握", "not_a_repeat": "非重复举报",
                 "not_grid_inspector": "非本网格网格员", "not_handling_officer": "非承办单位人员",
                 "not_excluded": "不在排除名单", "one_reward": "同一案件只奖励一次"}
REWARD_FLAGS = {  # kind: (name, what it may show)
    "id_number_several_accounts": ("一证多号", "领奖身份证号关联的账号个数；不显示是哪些账号"),
    "payee_changed": ("收款人变更", "同一账号此前领奖时身份证号不同的次数；不显示此前的收款人"),
    "reports_cluster_on_place": ("同地集中举报", "同一账号或身份证号在同一地点（半径内）的举报件数；不显示其他举报"),
    "reports_cluster_on_site": ("同一点位集中举报", "同一账号或身份证号涉及同一登记点位的举报件数；不显示点位和举报"),
    "reports_cluster_on_operator": ("同一经营者集中举报",
                                    "同一账号或身份证号涉及同一经营者各点位的举报件数；不显示经营者"),
}
REWARD_REFUSALS = {"staff_id_number": "身份证号为已登记的工作人员（领取被拒，举报人仅被告知联系奖励办）",
                   "yearly_cap": "超过每人每年奖励上限（领取被拒）"}
LEDGER_KINDS = {"eligible": "符合条件", "proposed": "提名", "approved": "审批通过（预留预算）", "rejected": "不予奖励",
                "notified": "通知举报人", "claimed": "举报人领取", "paid": "支付", "expired": "逾期/放弃（释放预算）",
                "allotted": "预算下达/追加"}
REWARD_ERRORS = {
    "same_person": "同一人不能既提名又审批（或既审批又支付）同一笔奖励，请由另一位工作人员办理。",
    "invalid_transition": "奖励当前状态不允许此操作。",
    "precondition_failed": "奖励已被他人更新，以下是最新内容，请确认后重新操作。",
    "budget_exhausted": "年度奖励预算余额不足，请先追加预算。",
    "budget_decrease": "年度预算只能追加，不能调减。",
    "not_claimed": "举报人尚未领取，不能查看收款信息。",
    "forbidden": "您的角色无权进行此操作。",
    "not_found": "没有找到该奖励或人员，或您无权查看。",
    "no_paying_unit": "奖励政策的支付单位不存在。",
    "no_active_policy": "没有生效的奖励政策。",
}
ALL.update(reward_states=REWARD_STATES, reward_actions=REWARD_ACTIONS, reward_checks=REWARD_CHECKS,
           reward_refusals=REWARD_REFUSALS, ledger_kinds=LEDGER_KINDS)


def reward_error_text(error: str, message: str) -> str:
    """The reward desk's sentence for an error code (the case words otherwise)."""
    return REWARD_ERRORS.get(error) or error_text(error, message)

# Administration and audit (part 2) -----------------------------------------------------------------------------------
AUDIT_ACTIONS = {"user.create": "新建账号", "user.update": "修改账号", "user.set_password": "重设密码",
                 "grid.assign_inspector": "指派网格员", "grid.unassign_inspector": "取消指派网格员",
                 "geo.import": "导入地理数据", "geo.make_grids": "生成网格", "workdays.load_year": "导入节假日年份",
                 "workdays.unload_year": "撤销节假日年份", "privacy_notice.publish": "发布隐私政策",
                 "report.identity_revealed": "查看举报人身份", "report.split": "拆分举报",
                 "case.merge": "合并案件", "case.recurrence_decided": "反弹回潮研判",
                 "stats.case_published": "发布典型案例", "stats.case_withdrawn": "撤回典型案例",
                 "responsibility.draft": "新建清单草稿", "responsibility.activate": "启用责任清单",
                 "responsibility.discard": "放弃清单草稿", "responsibility.import": "导入责任清单",
                 "responsibility.rule_add": "新增清单规则", "responsibility.rule_update": "修改清单规则",
                 "responsibility.rule_delete": "删除清单规则", "reward.view_payee": "查看收款人",
                 "reward.forfeit": "放弃奖励", "reward.claim_refused": "拒绝领取",
                 "reward.staff_id_number_registered": "登记工作人员身份证号", "reward_budget.raise": "追加奖励预算",
                 "reward_policy.draft": "新建奖励标准草稿", "reward_policy.activate": "启用奖励标准",
                 "account.cancel": "注销账号", "outbox.retry": "重新发送通知"}
TARGET_TYPES = {"user": "账号", "grid": "网格", "county": "县区", "holiday_year": "节假日年份",
                "privacy_notice": "隐私政策", "report": "举报", "case": "案件", "reward": "奖励",
                "reward_budget": "奖励预算", "reward_policy": "奖励标准", "responsibility_version": "责任清单版本",
                "account": "举报人账号", "zone": "保护区", "outbox_message": "通知"}
OUTBOX_STATES = {"pending": "待发送", "sent": "已发送", "failed": "发送失败"}
OUTBOX_KINDS = {"report_accepted": "举报已受理", "report_rejected": "举报不予受理", "case_closed": "案件已办结",
                "reward_decided": "奖励审批结果"}
CALENDAR_SOURCES = {"loaded": "管理员导入", "library": "内置日历（chinese-calendar）",
                    "statutory-estimate": "法定假日估算（尚无公布安排）", "weekdays": "仅按周一至周五"}
UNIT_LEVELS = {"city": "市级", "county": "县级"}
ALL.update(audit_actions=AUDIT_ACTIONS, target_types=TARGET_TYPES, outbox_states=OUTBOX_STATES,
           outbox_kinds=OUTBOX_KINDS, calendar_sources=CALENDAR_SOURCES, unit_levels=UNIT_LEVELS)
ADMIN_ERRORS = {"conflict": "与已有记录冲突（如用户名已被使用），请检查后重试。",
                "not_failed": "只能重新发送发送失败的消息（该消息已发送或正在排队）。"}

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
    (r"^the (?:place|point) is outside your county$", "位置不在您所在的县区"),
    (r"^a site of another county has this code$", "其他县区的站点已使用此编号"),
    (r"^unknown coordinate system '(.*)'$", r"没有“\1”这个坐标系（填 WGS-84 或 GCJ-02）"),
    (r"^not GeoJSON$", "不是 GeoJSON"),
    # a site's place (reporter/registers/geometry.py)
    (r"^纬度 and 经度 in degrees, or 范围\(GeoJSON\), are required$", "纬度和经度（度）或范围(GeoJSON)必填"),
    (r"^(?:The place|the point) is outside Ankang$", "位置不在安康市范围内"),
    (r"^Not a GeoJSON geometry$", "不是 GeoJSON 图形"),
    (r"^A (.+) is expected$", lambda m: "应为" + "或".join(_SHAPES.get(t, t) for t in m.group(1).split(" or "))),
    (r"^Not a valid (\w+) \(at most (\d+) vertices\)$",
     lambda m: f"不是有效的{_SHAPES.get(m.group(1), m.group(1))}（最多 {m.group(2)} 个顶点）"),
    # the feedback problems' sheet (reporter/registers/problem_sheets.py)
    (r"^is required$", "必填"),
    (r"^unknown source '(.*)'$", r"没有“\1”这个问题来源"),
    (r"^longer than (\d+) characters$", r"超过 \1 个字"),
    (r"^is required for inspection and audit feedback$", "中央、省级反馈问题和审计查出问题的反馈编号必填"),
    (r"^unknown category '(.*)'$", r"没有“\1”这个问题类别"),
    (r"^not a (纬度|经度) in degrees: '(.*)'$", r"“\2”不是\1（应为以度为单位的数字）"),
    (r"^already registered as case (\d+)$", r"已登记为案件（#\1）"),
    # any sheet (reporter/common/spreadsheets.py)
    (r"^not an XLSX workbook \(.*\)$", "不是 XLSX 工作簿：请另存为 XLSX 文件，或在导入模板上填写"),
    (r"^missing header$", "缺少此列"),
    (r"^more than (\d+) rows$", r"超过 \1 行"),
    # the responsibility list (reporter/routing/sheets.py)
    (r"^unknown protection zone '(.*)'$", r"没有“\1”这个保护区"),
    (r"^unknown county '(.*)'$", r"没有“\1”这个区县"),
    (r"^unknown unit or unit kind (.*)$", r"没有这些单位或单位类型：\1"),
    (r"^not a whole number of working days: ''$", "必填（工作日天数，整数）"),
    (r"^not a whole number of working days: '(.*)'$", r"“\1”不是整数（工作日天数）"),
    (r"^expected headers \[(.*)\]$", lambda m: "第一行应为表头：" + "、".join(re.findall(r"'([^']*)'", m.group(1)))),
]
_SHAPES = {"Point": "点", "Polygon": "面", "LineString": "线", "MultiPolygon": "多面"}


def import_problem(message: str) -> str:
    """One problem of a sheet's row in Chinese (the service's words when no pattern knows it)."""
    for pattern, words in IMPORT_PROBLEMS:
        if re.match(pattern, message):
            return re.sub(pattern, words, message)
    return message


def import_problem_rows(file_errors) -> list[dict]:
    """A sheet service's `errors.file` ({row: {header: [messages]}}; `_schema` for a row's own problems, or in place
    of a row for the whole file) as the rows of a console table: row ("" for the whole file), column, the problems in
    Chinese; by row number."""
    if not isinstance(file_errors, dict):
        return []
    rows = []
    for row, fields in sorted(file_errors.items(), key=lambda item: int(item[0]) if str(item[0]).isdecimal() else 0):
        for column, messages in (fields.items() if isinstance(fields, dict) else [("", fields)]):
            messages = messages if isinstance(messages, list) else [str(messages)]
            rows.append({"row": "" if row == "_schema" else row, "column": "" if column == "_schema" else column,
                         "problem": "；".join(import_problem(str(m)) for m in messages)})
    return rows


# 责任清单 and 典型案例 (console part 2) ------------------------------------------------------------------------------
ZONES = {"core": "核心保护区", "key": "重点保护区", "general": "一般保护区"}
VERSION_STATUSES = {"draft": "草稿", "active": "生效中", "retired": "已停用"}
RULE_FIELDS = {"category": "问题类别", "zone": "保护区", "county_adcode": "区县", "lead_kinds": "牵头单位类型",
               "cooperating_kinds": "配合单位类型", "accept_days": "受理时限", "sign_days": "签收时限",
               "handle_days": "办理时限", "verify_days": "核查时限", "note": "备注"}
PUBLISH_FIELDS = {"title": "标题", "summary": "案情摘要", "photo_ids": "照片"}
ERRORS.update({
    "responsibility_gaps": "草稿存在未覆盖的类别和区县（缺口）；补齐规则，或勾选“存在缺口仍然生效”并填写理由。",
    "case_not_closed": "只有已结案的案件可以作为典型案例发布。",
    "already_published": "该案件已作为典型案例发布。",
})
ALL.update({"zones": ZONES, "version_statuses": VERSION_STATUSES, "rule_fields": RULE_FIELDS,
            "publish_fields": PUBLISH_FIELDS})
# What the typical-case check found ("contains …" / "looks like it contains …" of reporter.stats.publicity)
PERSONAL_DATA = {"a person's name": "人员姓名", "a user name": "用户名", "a WeChat openid": "微信标识",
                 "the payee's name": "领奖人姓名", "the payee's ID number": "领奖人身份证号",
                 "the payee's account": "领奖人账号", "a tracking code": "举报查询码", "a report id": "举报编号",
                 "the exact time of a report": "举报的精确时间", "the reporter's name": "举报人姓名",
                 "the reporter's phone": "举报人电话", "a mobile phone number": "手机号码",
                 "an ID number": "身份证号码", "a telephone number": "电话号码"}


def personal_finding(problem: str) -> str:
    """One finding of the personal-data check in words for officials (the service's text when unknown)."""
    for prefix, word in (("looks like it contains ", "疑似含有"), ("contains ", "含有")):
        if problem.startswith(prefix) and problem[len(prefix):] in PERSONAL_DATA:
            return word + PERSONAL_DATA[problem[len(prefix):]]
    return problem
