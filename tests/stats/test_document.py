"""The 月通报 as issued: the October 2026 document of the hand-built month in Word and PDF says what
GET /stats/monthly says, in the GB/T 9704 layout, with the embedded fallback fonts and the charts, the same whenever
it is made; county supervisors get their county's; the command writes it."""
import io
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import docx
import pytest
from fontTools.ttLib import TTFont
from PIL import ImageFile
from pypdf import PdfReader
from sqlalchemy import update

from reporter.stats.document import make, pct, render
from reporter.stats.models import PublishedCase
from tests.conftest import app_ctx
from tests.stats.conftest import cst

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TYPICAL = {"title": "宁陕县城关镇盗伐林木案",
           "summary": "群众举报林区有人砍伐树木，经宁陕县林业局查实，已责令停止砍伐并补种。"}


@pytest.fixture()
def month(app, client, world, october):
    """October with a typical case published in it (moved to 25 October: the service stamps the present)."""
    created = client.post("/api/v1/stats/typical-cases", json={"case_id": october["a"], **TYPICAL},
                          headers=world.h("city_sup"))
    assert created.status_code == 201, created.get_json()
    with app_ctx(app) as session:
        session.execute(update(PublishedCase).values(published_at=cst(10, 25)))
        session.commit()
    return october


def _city(users):
    return users.headers(users.make("supervisor", unit_code="city.qinling_office"))


def _document(client, headers, fmt, query=""):
    resp = client.get(f"/api/v1/stats/monthly/document?month=2026-10&format={fmt}{query}", headers=headers)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    return resp


def _word_tables(word) -> dict[str, list[list[str]]]:
    """Each table of the Word document by its caption (the paragraph before it)."""
    body, tables, caption = word.element.body, {}, None
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[1]
        if tag == "p":
            text = "".join(t.text or "" for t in child.iter() if t.tag.endswith("}t"))
            caption = text or caption
        elif tag == "tbl":
            table = next(t for t in word.tables if t._tbl is child)
            tables[caption] = [[cell.text for cell in row.cells] for row in table.rows]
    return tables


def test_word_document_layout_title_number_and_every_table_against_the_api(client, users, month):
    city = _city(users)
    api = client.get("/api/v1/stats/monthly?month=2026-10", headers=city).get_json()
    resp = _document(client, city, "docx", "&number=27")
    assert resp.mimetype == DOCX and 'filename="bulletin-2026-10-city.docx"' in resp.headers["Content-Disposition"]
    word = docx.Document(io.BytesIO(resp.data))
    section = word.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                  section.right_margin)] == [37, 35, 28, 26]
    paragraphs = [p for p in word.paragraphs if p.text]
    assert paragraphs[0].text == "安康市秦岭生态环境保护办公室文件"
    assert paragraphs[0].runs[0].font.color.rgb == docx.shared.RGBColor(0xC0, 0, 0)  # the red mark
    assert paragraphs[1].text == "安秦岭办〔2026〕27号"
    title = next(p for p in paragraphs if p.style.name == "Title")
    assert title.text == "关于2026年10月秦岭生态环境保护问题办理情况的通报"
    assert word.styles["Title"].font.size.pt == 22 and word.styles["Normal"].font.size.pt == 16
    assert word.styles["Normal"].element.rPr.rFonts.get(docx.oxml.ns.qn("w:eastAsia")) == "仿宋_GB2312"
    assert word.styles["Heading 1"].element.rPr.rFonts.get(docx.oxml.ns.qn("w:eastAsia")) == "黑体"
    headings = [p.text for p in paragraphs if p.style.name == "Heading 1"]
    assert headings == ["一、总体情况", "二、各县区、各单位情况", "三、网格员巡查情况", "四、督办案件",
                        "五、专项整治进展", "六、典型案例"]
    assert "PAGE" in section.footer._element.xml and "PAGE" in section.even_page_footer._element.xml
    text = "\n".join(p.text for p in paragraphs)
    closed = sum(r["closed"] for r in api["counties"])
    on_time = sum(r["closed_on_time"] for r in api["counties"])
    assert closed == 2 and on_time == 1
    assert f"本月办结{closed}件，其中按期办结{on_time}件，按期结案率50.0%（上月无办结案件，不作比较）" in text
    assert "本月批准举报奖励1笔、金额500.00元，发放举报奖励1笔、金额500.00元。" in text
    assert "本月通报数据中无专项整治行动进展。" in text  # no campaigns in this bulletin: one sentence, no table
    assert TYPICAL["title"] in text and TYPICAL["summary"] in text
    tables = _word_tables(word)
    counties = tables["表1  各县区受理办理情况"]
    assert counties[0] == ["县区", "受理", "立案", "结案", "按期结案", "按期结案率", "超期未结"]
    assert counties[1:] == [[r["name"], str(r["received"]), str(r["accepted"]), str(r["closed"]),
                             str(r["closed_on_time"]), pct(r["on_time_pct"]), str(r["overdue_open"])]
                            for r in api["counties"]]
    ranking = tables["表2  县区按期结案率排名"]
    assert [row[1] for row in ranking[1:]] == [r["name"] for r in api["rankings"]["counties"]]
    for row, expected in zip(ranking[1:], api["rankings"]["counties"], strict=True):
        assert row[2] == pct(expected["on_time_pct"])
        assert ("样本不足" in row[4]) == expected["small_sample"] and (row[0] == "—") == expected["small_sample"]
    units = tables["表3  单位按期结案率排名"]
    assert [(row[1], row[3]) for row in units[1:]] == [(r["name"], str(r["closed"]))
                                                         for r in api["rankings"]["units"]]
    supervised = tables["表5  督办案件"]
    assert [row[0] for row in supervised[1:]] == [str(r["case_id"]) for r in api["supervised_cases"]]
    assert supervised[1][6] == "是" and supervised[1][4] == "2026-10-30"
    assert "表6  专项整治进展" not in tables
    pictures = [s for s in word.inline_shapes]
    assert len(pictures) == 2  # the twelve-month trend and the counties' on-time rates
    images = [rel.target_part.blob for rel in word.part.rels.values() if "image" in rel.reltype]
    assert all(blob.startswith(b"\x89PNG") for blob in images) and len(images) == 2


def test_ties_are_marked_in_the_rankings(app, month):
    with app_ctx(app):
        report = make("2026-10").blocks
    from reporter.stats.document import _ranking_table
    rows = [{"name": "甲", "on_time_pct": 80.0, "closed": 9, "rank": 1, "small_sample": False},
            {"name": "乙", "on_time_pct": 80.0, "closed": 9, "rank": 1, "small_sample": False},
            {"name": "丙", "on_time_pct": 50.0, "closed": 8, "rank": 3, "small_sample": False},
            {"name": "丁", "on_time_pct": 100.0, "closed": 2, "rank": None, "small_sample": True}]
    table = _ranking_table("表", "县区", rows, 5)
    assert [row[0] for row in table.rows] == ["1（并列）", "1（并列）", "3", "—"]
    assert table.rows[3][4] == "样本不足（结案少于5件）"
    assert report  # the month's own document was made alongside


def _embedded_fonts(reader: PdfReader) -> dict[str, str | None]:
    """BaseFont → the family named inside the embedded font program (None: not embedded), for every font used."""
    found = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptors = [font.get("/FontDescriptor"), *(d.get_object().get("/FontDescriptor")
                                                          for d in font.get("/DescendantFonts", []))]
            family = None
            for descriptor in filter(None, descriptors):
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in descriptor.get_object():
                        program = TTFont(io.BytesIO(descriptor.get_object()[key].get_object().get_data()))
                        family = program["name"].getDebugName(1)
            found[str(font["/BaseFont"])] = family
    return found


def test_pdf_text_fonts_and_charts(client, users, month):
    city = _city(users)
    api = client.get("/api/v1/stats/monthly?month=2026-10", headers=city).get_json()
    resp = _document(client, city, "pdf")
    assert resp.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(resp.data))
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))
    assert "安秦岭办〔2026〕10号" in text  # no number entered: the month's
    assert "关于2026年10月秦岭生态环境保护问题办理情况的通报" in text
    for row in api["counties"]:
        assert f"{row['name']}{row['received']}{row['accepted']}{row['closed']}{row['closed_on_time']}" \
               f"{pct(row['on_time_pct'])}{row['overdue_open']}" in text
    fonts = _embedded_fonts(reader)
    assert fonts and all(fonts.values()), fonts  # every font embedded
    # no 仿宋_GB2312, 黑体 … on this machine: the Simplified Chinese Noto faces, embedded
    assert {"Noto Serif CJK SC", "Noto Sans CJK SC"} <= set(fonts.values()), fonts
    images = {image.name: image for page in reader.pages for image in page.images}  # resources shared by pages
    assert len(images) == 2 and all(image.image.width >= 700 for image in images.values())
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False  # WeasyPrint's import turns it on; the photo pipeline refuses it


def test_the_same_month_gives_the_same_document(app, month, build):
    with app_ctx(app):
        first = make("2026-10", number=3).text()
    build.act(month["d"], "officer", "sign", cst(11, 3))  # later events change nothing of October
    with app_ctx(app):
        again = make("2026-10", number=3).text()
    assert first == again and "本月在办督办案件1件" in first


def test_county_supervisors_get_their_county_and_others_are_refused(client, users, month):
    county_sup = users.headers(users.make("supervisor", unit_code="610923.qinling_office"))
    word = docx.Document(io.BytesIO(_document(client, county_sup, "docx", "&county=610902").data))
    title = next(p.text for p in word.paragraphs if p.style.name == "Title")
    assert title == "关于2026年10月宁陕县秦岭生态环境保护问题办理情况的通报"
    tables = _word_tables(word)
    assert [row[0] for row in tables["表1  各县区受理办理情况"][1:]] == ["宁陕县"]
    officer = users.headers(users.make("officer", unit_code="610923.forestry"))
    assert client.get("/api/v1/stats/monthly/document?month=2026-10", headers=officer).status_code == 403
    assert client.get("/api/v1/stats/monthly/document?month=2026-10").status_code == 401
    for query in ("month=2026-13", "month=2026-10&format=odt", "month=2026-10&number=0"):
        bad = client.get(f"/api/v1/stats/monthly/document?{query}", headers=_city(users))
        assert bad.status_code == 422 and bad.get_json()["error"] == "validation_failed", query


def test_command_writes_the_document(app, month, tmp_path):
    out = tmp_path / "bulletin.docx"
    result = app.test_cli_runner().invoke(args=["stats", "document", "--month", "2026-10", "--format", "docx",
                                                "--number", "5", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert any(p.text == "安秦岭办〔2026〕5号" for p in docx.Document(out).paragraphs)
    bad = app.test_cli_runner().invoke(args=["stats", "document", "--month", "2026-13", "--out", str(out)])
    assert bad.exit_code == 1 and "month: Use YYYY-MM" in bad.output


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (Debian poppler-utils) is not installed")
def test_first_page_as_an_image(client, users, month, tmp_path):
    """Page 1 as PNG, for a person to look at (kept under the test's tmp_path; docs/bulletin/ has one)."""
    pdf = tmp_path / "bulletin.pdf"
    pdf.write_bytes(_document(client, _city(users), "pdf").data)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)
    from PIL import Image
    page = Image.open(next(tmp_path.glob("page*.png"))).convert("RGB")
    assert abs(page.size[0] - 496) <= 1 and abs(page.size[1] - 702) <= 1  # A4 at 60 dpi
    reds = sum(n for n, (r, g, b) in page.getcolors(1 << 20) if r > 150 and g < 80 and b < 80)
    assert reds > 500  # the red mark and line of the 版头 are there


def test_typed_text_is_text_in_the_pdf_never_markup_or_a_fetch(app, client, users, month):
    """A typical case's title and summary are typed by a supervisor: in the PDF they are printed as they are, and
    nothing they name is fetched (the layout engine reads only the charts' data: URLs)."""
    markup = '<img src="file:///etc/hostname"><b>加粗</b>'
    with app_ctx(app) as session:
        published = session.query(PublishedCase).one()
        published.payload = {**published.payload, "summary": f"现场核查。{markup}"}
        session.commit()
    reader = PdfReader(io.BytesIO(_document(client, _city(users), "pdf").data))
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))
    assert re.sub(r"\s+", "", markup) in text
    assert len({image.name for page in reader.pages for image in page.images}) == 2


def test_pdfs_made_one_after_another_and_in_other_threads_are_alike(app, month):
    """The font configuration and style sheet are kept per thread and reused: the second PDF of a thread, one made in
    another thread and one made after the font setting changed all embed their fonts and say the same; the charts are
    opaque pictures (one image each, no alpha mask)."""
    def pdf(**config) -> PdfReader:
        with app_ctx(app):
            app.config.update(config)
            try:
                return PdfReader(io.BytesIO(render(make("2026-10", number=3), "pdf")))
            finally:
                app.config.pop("BULLETIN_FONT_BODY", None)

    def text(reader: PdfReader) -> str:
        return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))

    first, second = pdf(), pdf()
    with ThreadPoolExecutor(1) as pool:
        other = pool.submit(pdf).result()
    changed = pdf(BULLETIN_FONT_BODY="宋体")
    assert text(first) == text(second) == text(other) == text(changed)
    assert _embedded_fonts(first) == _embedded_fonts(second) == _embedded_fonts(other)
    assert all(_embedded_fonts(changed).values())
    for reader in (first, other):
        pictures = [x.get_object() for page in reader.pages for x in page["/Resources"].get("/XObject", {}).values()]
        assert len(pictures) >= 2
        assert all("/SMask" not in p and p["/ColorSpace"] == "/DeviceRGB" for p in pictures)
