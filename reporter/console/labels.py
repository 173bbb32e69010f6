"""zh-CN words for the codes the services speak (presentation only: no rule lives here)."""

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
