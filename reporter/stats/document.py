"""The monthly bulletin as the document the city Qinling office issues (月通报): Word (editable) and PDF.

Layout after GB/T 9704-2012: A4, margins 37 mm top, 35 mm bottom, 28 mm left, 26 mm right; 版头 with the issuing
body's mark in red, the document number and a red line; the title in 小标宋 22 pt; the body in 仿宋 16 pt, 22 lines
of 28 characters; 一、 headings in 黑体, 二级 in 楷体; page numbers "— n —" at the outer corner.

Everything written comes from the month's figures (`bulletin()`), the finished months' on-time counts (their
bulletins, stored once computed: `reporter.stats.stored`; for the change from last month and the twelve-month trend)
and the typical cases published in the month and not withdrawn by its end: a past month's document says the same
whenever it is made, the date of making aside. `compose` builds the content once as blocks; `docx_bytes` and
`pdf_bytes` only lay them out.
"""
import base64
import functools
import html
import io
import threading
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from reporter.common.timeutil import CST, utcnow
from reporter.extensions import db
from reporter.geo.models import County
from reporter.stats.bulletin import Month, bulletin, month_of
from reporter.stats.models import PublishedCase

SOURCE_NAMES = {"citizen_report": "群众举报", "patrol": "网格巡查", "video": "视频监管", "undercover": "暗访检查",
                "superior": "上级交办", "provincial_inspection": "省级督察"}
STATE_NAMES = {"submitted": "待受理", "accepted": "已立案", "dispatched": "已交办", "in_progress": "办理中",
               "pending_verification": "待核查", "verified": "已核查", "closed": "已办结", "rejected": "不予受理"}
LEVEL_NAMES = {"city": "市级督办", "county": "县级督办", "province": "省级督办"}
CN_NUMBERS = "一二三四五六七八九十"
TREND_MONTHS = 12
TOP_INSPECTORS = 10

DEFAULTS = {
    "BULLETIN_ISSUER": "安康市秦岭生态环境保护办公室",
    "BULLETIN_MARK": "安康市秦岭生态环境保护办公室文件",
    "BULLETIN_NUMBER_FORMAT": "安秦岭办〔{year}〕{number}号",
    "BULLETIN_RECIPIENTS": "各县（区）秦岭生态环境保护办公室，市级有关单位：",
    # Font names as on officials' Windows machines; the PDF falls back to the embedded Noto CJK faces.
    "BULLETIN_FONT_TITLE": "方正小标宋简体",
    "BULLETIN_FONT_BODY": "仿宋_GB2312",
    "BULLETIN_FONT_HEADING": "黑体",
    "BULLETIN_FONT_SUBHEADING": "楷体_GB2312",
}
# The Noto CJK family (Debian's fonts-noto-cjk, found by fontconfig) each role falls back to in the PDF: the
# Simplified Chinese face of the collection, so characters take their mainland forms. WeasyPrint embeds (a subset
# of) every face it uses, so the PDF renders the same on a machine without these fonts.
FALLBACKS = {"title": "Noto Serif CJK SC", "body": "Noto Serif CJK SC", "heading": "Noto Sans CJK SC",
             "subheading": "Noto Serif CJK SC"}
NOTO_DIR = "/usr/share/fonts/opentype/noto"


def setting(name: str) -> str:
    return str(current_app.config.get(name) or DEFAULTS[name])


# ---- content ------------------------------------------------------------------------------------------------------

@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list[str]]
    note: str | None = None


@dataclass
class Image:
    caption: str
    png: bytes


@dataclass
class Document:
    """What the document says, in order; both layouts render exactly these blocks."""

    number: str
    title: str
    recipients: str
    issuer: str
    mark: str
    made_on: date
    blocks: list[tuple[str, object]] = field(default_factory=list)  # ("h1"|"h2"|"p", text), ("table", Table), …

    def add(self, kind: str, value) -> None:
        self.blocks.append((kind, value))

    def text(self) -> str:
        """Every sentence and table cell, in order (what must be the same whenever a month is made)."""
        parts = [self.number, self.title, self.recipients]
        for _kind, value in self.blocks:
            if isinstance(value, Table):
                parts += [value.caption, *value.headers, *(c for row in value.rows for c in row), value.note or ""]
            elif isinstance(value, Image):
                parts.append(value.caption)
            else:
                parts.append(value)
        return "\n".join(parts)


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def rate(on_time: int, closed: int) -> float | None:
    return round(100.0 * on_time / closed, 1) if closed else None


def month_words(month: Month) -> str:
    return f"{month.first.year}年{month.first.month}月"


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _previous(month: Month, n: int) -> list[Month]:
    """The n months before `month`, oldest first."""
    out, first = [], month.first
    for _ in range(n):
        first = (first - timedelta(days=1)).replace(day=1)
        out.append(month_of(f"{first.year:04d}-{first.month:02d}"))
    return out[::-1]


def finished_month_counties(month: Month) -> dict[str, list[int]]:
    """adcode → [closed, closed_on_time] of a finished month: from its stored bulletin (computed and stored on the
    first read; `reporter.stats.stored`)."""
    return {row["adcode"]: [row["closed"], row["closed_on_time"]] for row in bulletin(month.label)["counties"]}


def on_time_history(month: Month, report: dict) -> list[tuple[str, int, int]]:
    """(YYYY-MM, closed, closed_on_time) for the twelve months ending with `month`, in the report's scope."""
    scope = {row["adcode"] for row in report["counties"]}
    history = []
    for past in _previous(month, TREND_MONTHS - 1):
        counties = finished_month_counties(past)
        history.append((past.label, sum(v[0] for a, v in counties.items() if a in scope),
                        sum(v[1] for a, v in counties.items() if a in scope)))
    history.append((month.label, sum(r["closed"] for r in report["counties"]),
                    sum(r["closed_on_time"] for r in report["counties"])))
    return history


def typical_cases(month: Month, county: str | None) -> list[dict]:
    """Typical cases published during the month and not withdrawn by its end (their stored sanitised copies)."""
    rows = db.session.execute(
        select(PublishedCase).where(PublishedCase.published_at >= month.start, PublishedCase.published_at < month.end)
        .order_by(PublishedCase.published_at, PublishedCase.id)).scalars()
    out = []
    for published in rows:
        if published.withdrawn_at is not None and published.withdrawn_at < month.end:
            continue
        payload = published.payload
        if county and (payload.get("county") or {}).get("adcode") != county:
            continue
        out.append(payload)
    return out


def _sum(rows: list[dict], name: str) -> int:
    return sum(row.get(name) or 0 for row in rows)


def _change(now: float | None, before: float | None) -> str:
    if now is None:
        return "本月无办结案件，不计算按期结案率"
    if before is None:
        return f"按期结案率{pct(now)}（上月无办结案件，不作比较）"
    diff = round(now - before, 1)
    if diff > 0:
        return f"按期结案率{pct(now)}，较上月（{pct(before)}）上升{diff:.1f}个百分点"
    if diff < 0:
        return f"按期结案率{pct(now)}，较上月（{pct(before)}）下降{-diff:.1f}个百分点"
    return f"按期结案率{pct(now)}，与上月持平"


def _rank_cell(row: dict, rows: list[dict]) -> str:
    if row["rank"] is None:
        return "—"
    tied = sum(1 for r in rows if r["rank"] == row["rank"]) > 1
    return f"{row['rank']}（并列）" if tied else str(row["rank"])


def _ranking_table(caption: str, label: str, rows: list[dict], minimum: int) -> Table:
    body = [[_rank_cell(r, rows), r["name"], pct(r["on_time_pct"]), str(r.get("closed") or 0),
             f"样本不足（结案少于{minimum}件）" if r["small_sample"] else ""] for r in rows]
    return Table(caption, ["排名", label, "按期结案率", "结案", "备注"], body,
                 note=f"按按期结案率排名，相同者并列；结案少于{minimum}件的列于表末，不参与排名。")


def compose(report: dict, history: list[tuple[str, int, int]], cases: list[dict], *, number: str,
            made_on: date, county_name: str | None) -> Document:
    """The document's content from the figures alone."""
    month = month_of(report["month"])
    where = county_name or "全市"
    title = f"关于{month_words(month)}{county_name or ''}秦岭生态环境保护问题办理情况的通报"
    doc = Document(number=number, title=title, recipients=setting("BULLETIN_RECIPIENTS"),
                   issuer=setting("BULLETIN_ISSUER"), mark=setting("BULLETIN_MARK"), made_on=made_on)
    counties, units = report["counties"], report["units"]
    doc.add("p", f"现将{month_words(month)}{where}秦岭生态环境保护问题受理、办理和督办情况通报如下（数据截至"
                 f"{chinese_date(month.following)}零时）。")

    # 一、总体情况
    doc.add("h1", "一、总体情况")
    received = _sum(counties, "received")
    by_source = {}
    for row in counties:
        for source, n in row["received_by_source"].items():
            by_source[source] = by_source.get(source, 0) + n
    closed, on_time = _sum(counties, "closed"), _sum(counties, "closed_on_time")
    now_rate = rate(on_time, closed)
    before = history[-2] if len(history) > 1 else None
    before_rate = rate(before[2], before[1]) if before else None
    if received:
        sources = "、".join(f"{SOURCE_NAMES.get(s, s)}{n}件" for s, n in sorted(by_source.items(), key=lambda x: -x[1]))
        doc.add("p", f"本月{where}共受理秦岭生态环境问题{received}件，其中{sources}。"
                     f"立案{_sum(counties, 'accepted')}件，不予受理{_sum(counties, 'rejected')}件。")
    else:
        doc.add("p", f"本月{where}未受理秦岭生态环境问题。")
    if closed:
        doc.add("p", f"本月办结{closed}件，其中按期办结{on_time}件，{_change(now_rate, before_rate)}。"
                     f"截至月末，超期未办结{_sum(counties, 'overdue_open')}件。")
    else:
        doc.add("p", f"{_change(now_rate, before_rate)}。截至月末，超期未办结{_sum(counties, 'overdue_open')}件。")
    approved, paid = _sum(counties, "rewards_approved"), _sum(counties, "rewards_paid")
    if approved or paid:
        doc.add("p", f"本月批准举报奖励{approved}笔、金额{_yuan(_sum(counties, 'rewards_approved_fen'))}元，"
                     f"发放举报奖励{paid}笔、金额{_yuan(_sum(counties, 'rewards_paid_fen'))}元。")
    else:
        doc.add("p", "本月未批准、未发放举报奖励。")
    doc.add("image", Image("图1  近十二个月按期结案率", trend_chart(history)))

    # 二、各县区、各单位情况
    doc.add("h1", "二、各县区、各单位情况")
    minimum = report["min_sample"]
    ranked = [r for r in report["rankings"]["counties"] if r["rank"] is not None]
    if len(counties) > 1 and ranked:
        best = [r["name"] for r in ranked if r["rank"] == 1]
        worst_rank = ranked[-1]["rank"]
        worst = [r["name"] for r in ranked if r["rank"] == worst_rank]
        sentence = f"按期结案率排名第一的是{'、'.join(best)}（{pct(ranked[0]['on_time_pct'])}）"
        if worst_rank != 1:
            sentence += f"，排名末位的是{'、'.join(worst)}（{pct(ranked[-1]['on_time_pct'])}）"
        doc.add("p", sentence + "。")
    small = [r["name"] for r in report["rankings"]["counties"] if r["small_sample"]]
    if small:
        doc.add("p", f"{'、'.join(small)}本月结案少于{minimum}件，不参与排名。")
    doc.add("h2", "（一）各县区受理办理情况")
    doc.add("table", Table("表1  各县区受理办理情况",
                           ["县区", "受理", "立案", "结案", "按期结案", "按期结案率", "超期未结"],
                           [[r["name"], *(str(r[k]) for k in ("received", "accepted", "closed", "closed_on_time")),
                             pct(r["on_time_pct"]), str(r["overdue_open"])] for r in counties]))
    if len(counties) > 1:
        doc.add("image", Image("图2  各县区按期结案率", county_chart(counties)))
        doc.add("table", _ranking_table("表2  县区按期结案率排名", "县区", report["rankings"]["counties"], minimum))
    doc.add("h2", "（二）各单位办理情况")
    if units:
        doc.add("table", _ranking_table("表3  单位按期结案率排名", "单位", report["rankings"]["units"], minimum))
    else:
        doc.add("p", "本月无单位承办案件。")

    # 三、网格员巡查情况
    doc.add("h1", "三、网格员巡查情况")
    inspectors = report["inspectors"]
    if inspectors:
        met = sum(1 for r in inspectors if r["met_target"])
        doc.add("p", f"本月{where}共有网格员{len(inspectors)}名，有效巡查天数达标{met}名、"
                     f"未达标{len(inspectors) - met}名；"
                     f"累计巡查{_sum(inspectors, 'patrols')}次、里程{sum(r['km'] for r in inspectors):.1f}公里，"
                     f"发现问题{_sum(inspectors, 'problems_found')}个，其中经核查属实"
                     f"{_sum(inspectors, 'problems_confirmed')}个；轨迹异常标记{_sum(inspectors, 'flags_raised')}次。")
        top = report["rankings"]["inspectors"][:TOP_INSPECTORS]
        doc.add("table", Table(f"表4  网格员有效巡查天数前{len(top)}名", ["排名", "姓名", "有效巡查天数"],
                               [[_rank_cell(r, report["rankings"]["inspectors"]), r["name"], str(r["valid_days"])]
                                for r in top]))
    else:
        doc.add("p", "本月无网格员巡查记录。")

    # 四、督办案件
    doc.add("h1", "四、督办案件")
    supervised = report["supervised_cases"]
    if supervised:
        overdue = sum(1 for r in supervised if r["overdue"])
        done = sum(1 for r in supervised if r["state"] == "closed")
        doc.add("p", f"本月在办督办案件{len(supervised)}件，月末已办结{done}件，超过督办期限未办结{overdue}件。")
        names = {row["adcode"]: row["name"] for row in counties}
        doc.add("table", Table("表5  督办案件",
                               ["案件编号", "县区", "承办单位", "督办级别", "督办期限", "月末状态", "是否超期"],
                               [[str(r["case_id"]), names.get(r["county_adcode"], r["county_adcode"] or "—"),
                                 r["unit"] or "—", LEVEL_NAMES.get(r["level"], r["level"]),
                                 r["due"].isoformat() if r["due"] else "—", STATE_NAMES.get(r["state"], r["state"]),
                                 "是" if r["overdue"] else "否"] for r in supervised]))
    else:
        doc.add("p", "本月无督办案件。")

    # 五、专项整治进展
    doc.add("h1", "五、专项整治进展")
    campaigns = report.get("campaigns")
    if campaigns:
        doc.add("p", f"截至月末，{len({r['campaign'] for r in campaigns})}项专项整治行动共涉及点位"
                     f"{_sum(campaigns, 'sites')}个，已排查{_sum(campaigns, 'surveyed')}个、已验收"
                     f"{_sum(campaigns, 'accepted')}个、已销号{_sum(campaigns, 'closed')}个，超期"
                     f"{_sum(campaigns, 'overdue')}个。")
        doc.add("table", Table("表6  专项整治进展",
                               ["专项行动", "县区", "点位", "已排查", "整改中", "已验收", "已销号", "超期", "销号率"],
                               [[str(r["campaign"]), str(r["name"]), *(str(r.get(k) or 0) for k in (
                                   "sites", "surveyed", "rectifying", "accepted", "closed", "overdue")),
                                 pct(r.get("closed_pct"))] for r in campaigns]))
    else:
        doc.add("p", "本月通报数据中无专项整治行动进展。")

    # 六、典型案例
    doc.add("h1", "六、典型案例")
    if cases:
        for index, case in enumerate(cases, start=1):
            number_word = CN_NUMBERS[index - 1] if index <= 10 else str(index)
            doc.add("h2", f"（{number_word}）{case['title']}")
            facts = "，".join(x for x in (
                (case.get("county") or {}).get("name"), case.get("category_name"),
                f"{case.get('reported_month')}受理" if case.get("reported_month") else None,
                f"核查{case['finding_name']}" if case.get("finding_name") else None) if x)
            doc.add("p", f"{case['summary']}（{facts}。）" if facts else case["summary"])
    else:
        doc.add("p", "本月未发布典型案例。")
    return doc


def _yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}"


# ---- charts -------------------------------------------------------------------------------------------------------

@functools.cache
def _pyplot():
    """pyplot without a display, its text in Noto Sans CJK SC (found by matplotlib's font manager, which reads the
    system's fonts once and caches the list)."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot

    pyplot.rcParams["font.family"] = ["Noto Sans CJK SC", "DejaVu Sans"]
    pyplot.rcParams["axes.unicode_minus"] = False
    return pyplot


CHART_DPI = 120
# The plot area of every chart, as fractions of the figure (fixed, instead of measuring every label with
# tight_layout, which draws the figure a second time).
CHART_MARGINS = {"left": 0.09, "right": 0.98, "top": 0.95}


def _png(figure) -> bytes:
    """The figure drawn once, as an opaque RGB PNG (no alpha channel: the PDF then carries one image, not an image
    and its mask, and WeasyPrint re-encodes it once)."""
    from PIL import Image

    figure.set_dpi(CHART_DPI)
    figure.canvas.draw()
    width, height = figure.canvas.get_width_height()
    image = Image.frombuffer("RGBA", (width, height), figure.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", dpi=(CHART_DPI, CHART_DPI))
    figure.clf()
    return out.getvalue()


def county_chart(counties: list[dict]) -> bytes:
    """Bars of the month's on-time rate per county (a county without closed cases has no bar, and says so)."""
    plt = _pyplot()
    figure = plt.figure(figsize=(6.2, 3.2))
    axes = figure.add_subplot()
    names = [r["name"] for r in counties]
    values = [r["on_time_pct"] or 0 for r in counties]
    bars = axes.bar(names, values, color="#2f6f9f")
    for bar, row in zip(bars, counties, strict=True):
        label = "无结案" if row["on_time_pct"] is None else f"{row['on_time_pct']:.1f}%"
        axes.annotate(label, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom",
                      fontsize=8)
    axes.set_ylim(0, 110)
    axes.set_ylabel("按期结案率（%）")
    axes.tick_params(axis="x", labelsize=8, labelrotation=30)
    figure.subplots_adjust(bottom=0.22, **CHART_MARGINS)
    try:
        return _png(figure)
    finally:
        plt.close(figure)


def trend_chart(history: list[tuple[str, int, int]]) -> bytes:
    """The on-time rate month by month over twelve months (a month without closed cases is a gap)."""
    plt = _pyplot()
    figure = plt.figure(figsize=(6.2, 2.8))
    axes = figure.add_subplot()
    labels = [f"{int(label[5:])}月" for label, _, _ in history]
    values = [rate(on_time, closed) for _, closed, on_time in history]
    axes.plot(range(len(labels)), [float("nan") if v is None else v for v in values], marker="o", color="#b22222")
    axes.set_xticks(range(len(labels)), labels)
    for index, value in enumerate(values):
        if value is not None:
            axes.annotate(f"{value:.1f}", (index, value), textcoords="offset points", xytext=(0, 5), ha="center",
                          fontsize=7)
    axes.set_ylim(0, 110)
    axes.set_ylabel("按期结案率（%）")
    axes.tick_params(axis="x", labelsize=8)
    axes.grid(axis="y", alpha=0.3)
    figure.subplots_adjust(bottom=0.1, **CHART_MARGINS)
    try:
        return _png(figure)
    finally:
        plt.close(figure)


# ---- Word ---------------------------------------------------------------------------------------------------------

RED = "C00000"


def _font(run_or_style, name: str, size: float | None = None, *, bold: bool | None = None, color: str | None = None):
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    font = run_or_style.font
    font.name = name
    element = run_or_style.element if hasattr(run_or_style, "element") else run_or_style._element
    rpr = element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), name)
    if size:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if color:
        font.color.rgb = RGBColor.from_string(color)


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE) in the paragraph."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, instruction), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == "1":
            element = OxmlElement("w:t")
            element.text = text
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {text} "
        run._r.append(element)


def _red_line(paragraph) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "1"), ("w:color", RED)):
        bottom.set(qn(key), value)
    borders.append(bottom)
    ppr.append(borders)


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    trpr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)


def docx_bytes(doc: Document) -> bytes:
    """The document as Word: real Title/Heading styles, tables and pictures; officials edit it before issuing."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Mm, Pt

    fonts = {role: setting(f"BULLETIN_FONT_{role.upper()}") for role in ("title", "body", "heading", "subheading")}
    word = docx.Document()
    section = word.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(28)
    word.settings.odd_and_even_pages_header_footer = True
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer,
                                                                      WD_ALIGN_PARAGRAPH.LEFT)):
        paragraph = footer.paragraphs[0]
        paragraph.alignment = align
        _font(paragraph.add_run("— "), fonts["body"], 14)
        _field(paragraph, "PAGE")
        _font(paragraph.add_run(" —"), fonts["body"], 14)

    styles = word.styles
    normal = styles["Normal"]
    _font(normal, fonts["body"], 16)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = Pt(28.95)  # 225 mm of text / 22 lines
    normal.paragraph_format.space_before = normal.paragraph_format.space_after = Pt(0)
    for name, font, size in (("Title", fonts["title"], 22), ("Heading 1", fonts["heading"], 16),
                             ("Heading 2", fonts["subheading"], 16)):
        style = styles[name]
        _font(style, font, size, bold=False, color="000000")
        style.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        style.paragraph_format.line_spacing = Pt(28.95 if name != "Title" else 35)
        style.paragraph_format.space_before = style.paragraph_format.space_after = Pt(0)
        if name != "Title":
            style.paragraph_format.first_line_indent = Pt(32)
        style.font.italic = False

    mark_size = min(36.0, 156 / len(doc.mark) / 0.3528) if doc.mark else 36.0
    mark = word.add_paragraph()
    mark.alignment = WD_ALIGN_PARAGRAPH.CENTER
    mark.paragraph_format.line_spacing = Pt(mark_size * 1.3)
    mark.paragraph_format.space_before = Pt(20)
    _font(mark.add_run(doc.mark), fonts["title"], round(mark_size, 1), color=RED)
    word.add_paragraph()
    number = word.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    number.add_run(doc.number)
    _red_line(number)
    word.add_paragraph()
    title = word.add_paragraph(doc.title, style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    word.add_paragraph()
    word.add_paragraph(doc.recipients)
    for kind, value in doc.blocks:
        if kind == "h1":
            word.add_paragraph(value, style="Heading 1")
        elif kind == "h2":
            word.add_paragraph(value, style="Heading 2")
        elif kind == "p":
            word.add_paragraph(value).paragraph_format.first_line_indent = Pt(32)
        elif kind == "image":
            picture = word.add_paragraph()
            picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
            picture.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            picture.add_run().add_picture(io.BytesIO(value.png), width=Mm(150))
            caption = word.add_paragraph()
            caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font(caption.add_run(value.caption), fonts["body"], 12)
        elif kind == "table":
            caption = word.add_paragraph()
            caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font(caption.add_run(value.caption), fonts["heading"], 14)
            table = word.add_table(rows=1, cols=len(value.headers))
            table.style = styles["Table Grid"]
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            _repeat_header(table.rows[0])
            for cell, text in zip(table.rows[0].cells, value.headers, strict=True):
                _cell(cell, text, fonts["heading"])
            for row in value.rows:
                cells = table.add_row().cells
                for cell, text in zip(cells, row, strict=True):
                    _cell(cell, text, fonts["body"])
            if value.note:
                note = word.add_paragraph()
                _font(note.add_run(f"注：{value.note}"), fonts["body"], 12)
    word.add_paragraph()
    for text in (doc.issuer, chinese_date(doc.made_on)):
        signature = word.add_paragraph(text)
        signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        signature.paragraph_format.right_indent = Pt(64)
    word.core_properties.title = doc.title
    word.core_properties.subject = doc.number
    word.core_properties.author = doc.issuer
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def _cell(cell, text: str, font: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING

    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.first_line_indent = 0
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    _font(paragraph.add_run(text), font, 12)


# ---- PDF ----------------------------------------------------------------------------------------------------------

def _css() -> str:
    families = {role: f'"{setting(f"BULLETIN_FONT_{role.upper()}")}", "{noto}"'
                for role, noto in FALLBACKS.items()}
    return f"""
@page {{ size: A4; margin: 37mm 26mm 35mm 28mm; }}
@page :right {{ @bottom-right {{ content: "— " counter(page) " —"; font: 14pt {families['body']};
  margin-right: 16pt; vertical-align: top; padding-top: 7mm; }} }}
@page :left {{ @bottom-left {{ content: "— " counter(page) " —"; font: 14pt {families['body']};
  margin-left: 16pt; vertical-align: top; padding-top: 7mm; }} }}
html {{ font-family: {families['body']}; font-size: 16pt; line-height: 28.95pt; }}
body {{ margin: 0; }}
p {{ margin: 0; text-indent: 2em; text-align: justify; }}
.mark {{ color: #c00000; font-family: {families['title']}; text-align: center; text-indent: 0;
  margin-top: 20pt; line-height: 1.3; }}
.number {{ text-align: center; text-indent: 0; margin-top: 28.95pt; padding-bottom: 4pt;
  border-bottom: 1.5pt solid #c00000; }}
h1.title {{ font-family: {families['title']}; font-size: 22pt; font-weight: normal; text-align: center;
  line-height: 35pt; margin: 28.95pt 0; }}
.recipients {{ text-indent: 0; }}
h2 {{ font-family: {families['heading']}; font-size: 16pt; font-weight: normal; margin: 0; text-indent: 2em; }}
h3 {{ font-family: {families['subheading']}; font-size: 16pt; font-weight: normal; margin: 0; text-indent: 2em; }}
figure {{ margin: 6pt 0; text-align: center; page-break-inside: avoid; }}
figure img {{ width: 150mm; }}
figcaption, .caption {{ font-size: 12pt; line-height: 18pt; text-align: center; text-indent: 0; }}
.caption {{ font-family: {families['heading']}; font-size: 14pt; margin-top: 8pt; }}
table {{ border-collapse: collapse; width: 100%; table-layout: fixed; font-size: 12pt; line-height: 16pt;
  margin: 4pt 0; }}
thead {{ display: table-header-group; font-family: {families['heading']}; }}
th, td {{ border: 0.75pt solid #000; padding: 2pt 3pt; text-align: center; }}
tr {{ page-break-inside: avoid; }}
.note {{ font-size: 12pt; line-height: 18pt; text-indent: 0; }}
.signature {{ text-align: right; text-indent: 0; padding-right: 4em; }}
"""


def html_text(doc: Document) -> str:
    esc = html.escape
    mark_size = min(36.0, 156 / len(doc.mark) / 0.3528) if doc.mark else 36.0
    parts = [f'<p class="mark" style="font-size: {mark_size:.1f}pt">{esc(doc.mark)}</p>',
             f'<p class="number">{esc(doc.number)}</p>', f'<h1 class="title">{esc(doc.title)}</h1>',
             f'<p class="recipients">{esc(doc.recipients)}</p>']
    for kind, value in doc.blocks:
        if kind == "h1":
            parts.append(f"<h2>{esc(value)}</h2>")
        elif kind == "h2":
            parts.append(f"<h3>{esc(value)}</h3>")
        elif kind == "p":
            parts.append(f"<p>{esc(value)}</p>")
        elif kind == "image":
            data = base64.b64encode(value.png).decode()
            parts.append(f'<figure><img src="data:image/png;base64,{data}" alt="{esc(value.caption)}">'
                         f"<figcaption>{esc(value.caption)}</figcaption></figure>")
        elif kind == "table":
            head = "".join(f"<th>{esc(h)}</th>" for h in value.headers)
            body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in value.rows)
            parts.append(f'<p class="caption">{esc(value.caption)}</p><table><thead><tr>{head}</tr></thead>'
                         f"<tbody>{body}</tbody></table>")
            if value.note:
                parts.append(f'<p class="note">注：{esc(value.note)}</p>')
    parts += ["<p>&#160;</p>", f'<p class="signature">{esc(doc.issuer)}</p>',
              f'<p class="signature">{esc(chinese_date(doc.made_on))}</p>']
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{esc(doc.title)}</title>'
            f'</head><body>{"".join(parts)}</body></html>')


def _weasyprint():
    """WeasyPrint, imported on first use. Its import sets Pillow's LOAD_TRUNCATED_IMAGES, which the photo pipeline
    refuses to run with (a truncated upload must be refused, not half-decoded): put it back at once; the charts it
    lays out are whole PNGs of our own."""
    from PIL import ImageFile

    loading = ImageFile.LOAD_TRUNCATED_IMAGES
    import weasyprint
    import weasyprint.urls

    ImageFile.LOAD_TRUNCATED_IMAGES = loading
    return weasyprint


_LAYOUT = threading.local()


def _layout_setup(css: str):
    """(font configuration, parsed style sheet, URL fetcher) for this thread, made once per style sheet: the Pango
    font map keeps the fonts it has opened (the Noto CJK collections and their coverage) from one document to the
    next instead of opening them again for each. Per thread, as a Pango font map is not safe to share."""
    cached = getattr(_LAYOUT, "setup", None)
    if cached is None or cached[0] != css:
        weasyprint = _weasyprint()
        from weasyprint.text.fonts import FontConfiguration

        fonts = FontConfiguration()
        fetcher = weasyprint.urls.URLFetcher(allowed_protocols=("data",), allow_redirects=False)  # charts only: no
        cached = (css, fonts, weasyprint.CSS(string=css, font_config=fonts, url_fetcher=fetcher), fetcher)  # file,
        _LAYOUT.setup = cached  # no network, whatever the text says
    return cached[1:]


def pdf_bytes(doc: Document) -> bytes:
    """The document as PDF (WeasyPrint, Pango): every face used is embedded, Noto CJK where a named font is absent."""
    weasyprint = _weasyprint()
    fonts, sheet, fetcher = _layout_setup(_css())
    return weasyprint.HTML(string=html_text(doc), url_fetcher=fetcher).write_pdf(stylesheets=[sheet],
                                                                                 font_config=fonts)


# ---- the whole --------------------------------------------------------------------------------------------------

FORMATS = {"docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", docx_bytes),
           "pdf": ("application/pdf", pdf_bytes)}


def document_number(month: Month, number: int | None) -> str:
    """安秦岭办〔2026〕N号: N as entered, else the month's number (BULLETIN_NUMBER_FORMAT)."""
    return setting("BULLETIN_NUMBER_FORMAT").format(year=month.first.year,
                                                    number=number if number is not None else month.first.month)


def make(label: str, *, county: str | None = None, number: int | None = None,
         report: dict | None = None) -> Document:
    """The month's document content (the city's, or one county's)."""
    report = report if report is not None else bulletin(label, county=county)
    month = month_of(label)
    county_name = db.session.get(County, county).name if county else None
    return compose(report, on_time_history(month, report), typical_cases(month, county),
                   number=document_number(month, number), made_on=utcnow().astimezone(CST).date(),
                   county_name=county_name)


def render(doc: Document, fmt: str) -> bytes:
    return FORMATS[fmt][1](doc)
