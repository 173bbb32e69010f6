"""Helpers of the register tests: sheets as officials fill them, sites through the API."""
import io

from openpyxl import Workbook, load_workbook

from tests.cases.conftest import NINGSHAN

FARMSTAY = {"kind": "farmstay", "code": "NJL-001", "name": "秦岭人家", "operator": "宁陕县秦岭人家农家乐有限公司",
            "geometry": {"type": "Point", "coordinates": [NINGSHAN[1], NINGSHAN[0]]},
            "attributes": {"problems": ["侵占河道"], "outcome": "提升改造"}}


def xlsx(headers, *rows, title="Sheet") -> bytes:
    book = Workbook()
    page = book.active
    page.title = title
    page.append(list(headers))
    for row in rows:
        page.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_xlsx(data: bytes, sheet=None) -> list[tuple]:
    book = load_workbook(io.BytesIO(data))
    return list((book[sheet] if sheet else book.active).iter_rows(values_only=True))


def post_file(client, path, headers, data: bytes, name="file.xlsx", **query):
    return client.post(path, headers=headers, query_string=query, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), name)})


def register(world, who="county_sup", **changes):
    resp = world.client.post("/api/v1/registers/sites", json={**FARMSTAY, **changes}, headers=world.h(who))
    return resp
