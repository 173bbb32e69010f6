"""The 20 categories of items 1–16 and the 2022 list (安秦岭委〔2022〕1号) as responsibility-list version 1.

Each category gets a rule for the whole Qinling range and one for core zones, whose handling deadline is 10 working
days instead of 15 (DOMAIN.md defaults: accept 2, sign 1, handle 15, verify 5).
"""
from sqlalchemy import func, select

from reporter.common.timeutil import utcnow
from reporter.extensions import db
from reporter.org.stamps import bump
from reporter.routing.models import Category, ResponsibilityRule, ResponsibilityVersion

TABLES = {"categories", "responsibility_versions", "responsibility_rules"}
ROUTING = "routing"

# code, name, lead kinds, cooperating kinds — the brackets of items 1–16
CATEGORIES = [
    ("scenic_building", "景区内违规建筑（构筑物）", ["culture_tourism", "natural_resources"],
     ["development_reform", "ecology", "housing", "market_regulation", "forestry"]),
    ("farmstay", "农家乐（民宿）侵占河道、压占林地、违规经营、乱排乱放", ["culture_tourism"],
     ["natural_resources", "ecology", "housing", "urban_management", "commerce", "market_regulation", "forestry"]),
    ("illegal_mining", "违规采矿采石、以修复之名违规开采", ["natural_resources"], ["ecology"]),
    ("tailings_pond", "尾矿库隐患、未闭库", ["emergency"], ["natural_resources", "ecology", "water"]),
    ("small_hydropower", "小水电违规运行、生态流量不足", ["water", "qinling_office"],
     ["finance", "ecology", "emergency"]),
    ("hazmat_transport", "水源地危险化学品运输风险", ["transport"],
     ["public_security", "ecology", "water", "emergency"]),
    ("sewage_outfall", "入河排污口、乱排乱放", ["ecology"], ["water", "agriculture"]),
    ("water_source", "饮用水水源地污染风险", ["ecology"], ["water"]),
    ("river_sand", "河道非法采砂", ["water"], ["public_security", "natural_resources"]),
    ("soil_erosion", "生产建设项目水土流失", ["water"], ["natural_resources"]),
    ("illegal_fishing", "非法捕捞（长江十年禁渔）", ["agriculture"], ["public_security"]),
    ("illegal_logging", "乱砍滥伐、毁林", ["forestry"], ["natural_resources", "public_security"]),
    ("forest_fire", "森林火灾隐患、违规野外用火", ["forestry"], ["emergency"]),
    ("forest_pest", "林业有害生物", ["forestry"], []),
    ("wildlife", "乱捕乱猎、非法交易野生动物", ["forestry"], ["public_security", "market_regulation"]),
    ("wild_herbs", "乱采野生中药材、破坏珍稀植物", ["forestry"], ["science"]),
    ("invasive_species", "外来物种入侵", ["forestry"], ["ecology", "agriculture"]),
    ("farmland_pollution", "农药化肥、畜禽粪污、受污染耕地", ["agriculture"], ["water", "forestry"]),
    ("illegal_construction", "其他乱搭乱建、违法占地", ["natural_resources"], ["housing", "urban_management"]),
    ("other", "其他破坏秦岭生态环境行为", ["qinling_office"], []),
]

DEFAULT_DAYS = {"accept_days": 2, "sign_days": 1, "handle_days": 15, "verify_days": 5}
CORE_ZONE_HANDLE_DAYS = 10


def first_list_rules() -> list[dict]:
    """The rules of version 1, in order."""
    rules = []
    for code, _name, lead, cooperating in CATEGORIES:
        base = dict(category=code, county_adcode=None, lead_kinds=lead, cooperating_kinds=cooperating, note="")
        rules.append({**base, "zone": None, **DEFAULT_DAYS})
        rules.append({**base, "zone": "core", **DEFAULT_DAYS, "handle_days": CORE_ZONE_HANDLE_DAYS})
    return rules


def load() -> str:
    """Categories (inserted or renamed) and, on an empty list, version 1 active (idempotent)."""
    changed = 0
    existing = {c.code: c for c in db.session.execute(select(Category)).scalars()}
    for order, (code, name, _lead, _cooperating) in enumerate(CATEGORIES):
        category = existing.get(code)
        if category is None:
            db.session.add(Category(code=code, name=name, is_active=True, sort_order=order))
            changed += 1
        elif (category.name, category.sort_order) != (name, order):
            category.name, category.sort_order = name, order
            changed += 1
    db.session.flush()
    created = ""
    if not db.session.execute(select(func.count()).select_from(ResponsibilityVersion)).scalar_one():
        version = ResponsibilityVersion(number=1, title="2022年责任清单（安秦岭委〔2022〕1号）", status="active",
                                        activated_at=utcnow())
        version.rules = [ResponsibilityRule(position=i, **rule) for i, rule in enumerate(first_list_rules())]
        db.session.add(version)
        created = f"; version 1 active with {len(version.rules)} rules"
        changed += 1
    if changed:
        db.session.flush()
        bump(ROUTING)
    return f"{len(CATEGORIES)} categories ({changed} changed){created}"
