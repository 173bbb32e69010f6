"""The kinds of regulated site the 2022 work plan names (items 2–6, 9), with their fields and states.

Admins add kinds (and fields) without a release; a seeded kind is reloaded only when it is missing.
"""
from reporter.extensions import db
from reporter.registers.models import SiteKind

TABLES = {"site_kinds"}


def _f(key, label, type_="text", *, choices=None, required=False) -> dict:
    field = {"key": key, "label": label, "type": type_, "required": required}
    if choices:
        field["choices"] = list(choices)
    return field


def _s(code, name, closes=False) -> dict:
    return {"code": code, "name": name, "closes": closes}


FARMSTAY_PROBLEMS = ("侵占河道", "压占林地", "占用道路", "违规经营", "乱排乱放")
SCENIC_PROBLEMS = ("违法占地", "未批先建", "批小建大", "批建分离", "以罚代批", "对外出售", "变相销售", "个人住用")

KINDS = [
    dict(code="small_hydropower", name="小水电站", category="small_hydropower", geometry="point", fields=[
        _f("river", "所在河流", required=True), _f("capacity_kw", "装机容量(kW)", "number"),
        _f("rectify_class", "整治类别", "choice", choices=("整改类", "保留", "退出"), required=True),
        _f("retained_dam", "保留大坝", "bool"),
        _f("dam_assessment", "大坝评估复核", "choice", choices=("未开展", "评估中", "已评估", "已复核")),
        _f("reinforcement_design", "加固设计", "choice", choices=("未开展", "设计中", "已完成")),
        _f("green_demo", "绿色小水电示范", "bool"),
        _f("compensation", "补偿", "choice", choices=("不涉及", "未补偿", "补偿中", "已补偿")),
        _f("ecological_flow_ok", "生态流量达标", "bool")],
        states=[_s("operating", "运行"), _s("rectifying", "整改中"), _s("retained", "保留"),
                _s("exited", "已退出", True)]),
    dict(code="mine", name="矿山、采石场", category="illegal_mining", geometry="any", fields=[
        _f("licence_no", "采矿许可证号"), _f("licence_expires", "许可证有效期至", "date"),
        _f("mineral", "矿种"), _f("scale", "生产规模", "choice", choices=("大型", "中型", "小型"), required=True),
        _f("producing", "生产矿山", "bool", required=True), _f("green_mine", "绿色矿山", "bool"),
        _f("restoration", "生态修复", "choice", choices=("不涉及", "未开始", "修复中", "已完成"))],
        states=[_s("producing", "生产"), _s("suspended", "停产"), _s("exiting", "退出中"),
                _s("exited", "已退出", True)]),
    dict(code="tailings_pond", name="尾矿库", category="tailings_pond", geometry="any", fields=[
        _f("grade", "等别", "choice", choices=("一等", "二等", "三等", "四等", "五等")),
        _f("monitoring_connected", "在线监测接入部省平台", "bool", required=True),
        _f("closure_plan", "闭库计划年份", "integer")],
        states=[_s("operating", "运行"), _s("to_close", "待闭库"), _s("closing", "闭库中"),
                _s("closed_off", "闭库销号", True)]),
    dict(code="farmstay", name="农家乐、民宿", category="farmstay", geometry="point", fields=[
        _f("problems", "存在问题", "choices", choices=FARMSTAY_PROBLEMS),
        _f("outcome", "处置方式", "choice", choices=("提升改造", "关停取缔")), _f("beds", "床位数", "integer")],
        states=[_s("operating", "经营"), _s("rectifying", "整改中"), _s("upgraded", "提升改造完成", True),
                _s("shut", "关停取缔", True)]),
    dict(code="sewage_outfall", name="入河排污口", category="sewage_outfall", geometry="point", fields=[
        _f("river", "受纳河流", required=True),
        _f("outfall_type", "排污口类型", "choice", choices=("工业", "城镇生活", "农业", "混合", "其他"),
           required=True),
        _f("reported_by_resident", "群众举报", "bool")],
        states=[_s("surveyed", "已排查"), _s("rectifying", "限期整改"), _s("regulated", "规范设置", True),
                _s("sealed", "封堵取缔", True)]),
    dict(code="scenic_building", name="景区建筑", category="scenic_building", geometry="any", fields=[
        _f("scenic_area", "所在景区", required=True),
        _f("scenic_level", "景区等级", "choice", choices=("4A", "5A"), required=True),
        _f("problems", "存在问题", "choices", choices=SCENIC_PROBLEMS)],
        states=[_s("surveyed", "已排查"), _s("rectifying", "整改中"), _s("accepted", "已验收", True),
                _s("removed", "已拆除", True)]),
]


def load() -> str:
    """Add the seeded kinds that are missing (idempotent; what admins changed stays)."""
    added = 0
    for kind in KINDS:
        if db.session.get(SiteKind, kind["code"]) is None:
            db.session.add(SiteKind(builtin=True, **kind))
            added += 1
    db.session.flush()
    return f"{added} site kinds added"
