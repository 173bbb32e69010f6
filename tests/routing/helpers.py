"""Helpers for the responsibility-list tests."""
from sqlalchemy import select

from reporter.org.models import Unit
from tests.conftest import app_ctx


def unit_ids(app, *codes: str) -> list[int]:
    with app_ctx(app) as session:
        found = dict(session.execute(select(Unit.code, Unit.id).where(Unit.code.in_(codes))).all())
    return [found[code] for code in codes]


def draft(client, headers) -> tuple[dict, str]:
    resp = client.post("/api/v1/responsibility/versions", json={"title": "测试草稿"}, headers=headers)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json(), resp.headers["ETag"]


def etag(client, headers, version_id: int) -> str:
    return client.get(f"/api/v1/responsibility/versions/{version_id}", headers=headers).headers["ETag"]


def rule_fields(rules: list[dict]) -> list[tuple]:
    keys = ("category", "zone", "county_adcode", "lead_kinds", "cooperating_kinds", "accept_days", "sign_days",
            "handle_days", "verify_days", "note")
    return [tuple(str(r[k]) for k in keys) for r in rules]
