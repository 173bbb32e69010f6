"""Reference units: every unit the 2022 work plan names, the county governments, and the county bureaus modelled.

Modelled county bureaus (``COUNTY_BUREAU_KINDS``): each of the five Qinling counties has its own 林业局, 自然资源局,
水利局, 农业农村局, 秦岭办 and a 生态环境分局 of the city bureau. No county bureau is modelled for the other kinds
(文旅广电局, 应急管理局, 交通运输局 …) nor in the five counties outside the Qinling range, so those cases lead to the
city bureau. Units are matched by code, so renaming one here renames it in place on the next load.
"""
from sqlalchemy import select

from reporter.extensions import db
from reporter.org.models import Unit, UnitKind
from reporter.org.stamps import bump

TABLES = {"unit_kinds", "units", "data_stamps"}

# code, generic Chinese name, name of the city unit (None: no city unit of that kind)
KINDS = [
    ("qinling_office", "秦岭办", "市秦岭办"),
    ("government", "人民政府", None),
    ("development_reform", "发展改革委", "市发展改革委"),
    ("finance", "财政局", "市财政局"),
    ("natural_resources", "自然资源局", "市自然资源局"),
    ("ecology", "生态环境局", "市生态环境局"),
    ("housing", "住建局", "市住建局"),
    ("water", "水利局", "市水利局"),
    ("agriculture", "农业农村局", "市农业农村局"),
    ("forestry", "林业局", "市林业局"),
    ("culture_tourism", "文旅广电局", "市文旅广电局"),
    ("market_regulation", "市场监管局", "市市场监管局"),
    ("urban_management", "城管局", "市城管局"),
    ("commerce", "商务局", "市商务局"),
    ("emergency", "应急管理局", "市应急管理局"),
    ("transport", "交通运输局", "市交通运输局"),
    ("public_security", "公安局", "市公安局"),          # item 21 oversight, and a cooperating unit
    ("science", "科技局", "市科技局"),
    ("industry", "工信局", "市工信局"),
    ("audit", "审计局", "市审计局"),
    ("statistics", "统计局", "市统计局"),
    ("staffing", "编办", "市委编办"),
    ("discipline", "纪委监委", "市纪委监委"),            # item 21 oversight
    ("procuratorate", "检察院", "市检察院"),            # item 21 oversight
]

# adcode, name, in the Qinling range (the county list of ankang-counties.gcj02.geojson)
COUNTIES = [
    ("610902", "汉滨区", True), ("610921", "汉阴县", True), ("610922", "石泉县", True), ("610923", "宁陕县", True),
    ("610924", "紫阳县", False), ("610925", "岚皋县", False), ("610926", "平利县", False), ("610927", "镇坪县", False),
    ("610928", "旬阳市", True), ("610929", "白河县", False),
]

COUNTY_BUREAU_KINDS = ("forestry", "natural_resources", "water", "ecology", "agriculture", "qinling_office")


def _county_bureau_name(county: str, kind: str, kind_name: str) -> str:
    """宁陕县林业局; the ecology bureau of a county is a branch of the city bureau (安康市生态环境局宁陕分局)."""
    if kind == "ecology":
        return f"安康市生态环境局{county[:-1]}分局"
    return f"{county}{kind_name}"


def reference_units() -> list[dict]:
    """The reference units as plain rows, parents before children."""
    names = {code: name for code, name, _city in KINDS}
    rows = [dict(code=f"city.{code}", name=city, kind=code, level="city", county_adcode=None, parent=None)
            for code, _name, city in KINDS if city]
    for adcode, county, qinling in COUNTIES:
        rows.append(dict(code=f"{adcode}.gov", name=f"{county}人民政府", kind="government", level="county",
                         county_adcode=adcode, parent=None))
        for kind in COUNTY_BUREAU_KINDS if qinling else ():
            rows.append(dict(code=f"{adcode}.{kind}", name=_county_bureau_name(county, kind, names[kind]),
                             kind=kind, level="county", county_adcode=adcode, parent=f"city.{kind}"))
    return rows


def load() -> str:
    """Insert or update the unit kinds and units (idempotent)."""
    changed = 0
    kinds = {k.code: k for k in db.session.execute(select(UnitKind)).scalars()}
    for order, (code, name, _city) in enumerate(KINDS):
        kind = kinds.get(code) or UnitKind(code=code)
        if kind.name != name or kind.sort_order != order or code not in kinds:
            kind.name, kind.sort_order = name, order
            db.session.add(kind)
            changed += 1
    db.session.flush()
    units = {u.code: u for u in db.session.execute(select(Unit)).scalars()}
    for row in reference_units():
        unit = units.get(row["code"]) or Unit(code=row["code"], is_active=True)
        parent_id = units[row["parent"]].id if row["parent"] else None
        wanted = dict(name=row["name"], kind=row["kind"], level=row["level"], county_adcode=row["county_adcode"],
                      parent_id=parent_id)
        if row["code"] not in units or any(getattr(unit, key) != value for key, value in wanted.items()):
            for key, value in wanted.items():
                setattr(unit, key, value)
            db.session.add(unit)
            db.session.flush()
            units[row["code"]] = unit
            changed += 1
    if changed:
        bump("units")
    return f"{len(KINDS)} unit kinds, {len(units)} units ({changed} changed)"
