"""The operator sees overdue open cases on /metrics, by stage."""
from datetime import UTC, datetime

from tests.cases.conftest import world  # noqa: F401  (the cases feature's people and helpers)

LONG_AGO = datetime(2025, 9, 1, 2, tzinfo=UTC)


def test_metrics_count_open_cases_past_their_deadline_by_stage(world):  # noqa: F811
    world.open(at=LONG_AGO)
    world.open(at=LONG_AGO)
    world.open()  # on time
    rejected = world.open(at=LONG_AGO)
    world.do(rejected, "city_sup", "reject", reason_code="insufficient")  # no clock runs on a rejected case

    text = world.client.get("/metrics").get_data(as_text=True)
    assert 'reporter_cases_overdue{key="accept"} 2.0' in text
    for stage in ("sign", "handle", "verify"):
        assert f'reporter_cases_overdue{{key="{stage}"}} 0.0' in text
