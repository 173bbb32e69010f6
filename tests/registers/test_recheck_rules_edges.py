"""回头看 at its edges (README "Registers and special campaigns"): which problems a re-check takes (closed, in the
supervisor's scope, matching each filter given, none already waiting — a re-checked one may be taken again), all or a
seeded sample (a sample as large as the matches takes them all, unseeded), what is due (a batch due today is due,
one due tomorrow is not), whose task an item is, who records the finding and what it does, the register's column."""
import random
from datetime import date, timedelta

import pytest

from reporter.accounts.models import User
from reporter.cases.models import Case, CaseEvent
from reporter.errors import Conflict, Forbidden, NotFound, ValidationFailed
from reporter.extensions import db
from reporter.registers import rechecks
from reporter.registers.models import RecheckItem
from tests.cases.conftest import drive
from tests.conftest import app_ctx
from tests.registers.test_rechecks import _closed

DUE = date(2030, 10, 31)


def test_the_registers_words_for_each_result():
    assert rechecks.RESULT_NAMES == {"pending": "回头看待复核", "confirmed": "回头看整改到位",
                                     "failed": "回头看未到位，已重新整改"}


def _schedule(world, who="city_sup", **data):
    with app_ctx(world.app) as session:
        batch = rechecks.schedule(session.get(User, world.ids[who]), {"title": "回头看", "due_on": DUE, **data})
        items = session.query(RecheckItem).filter_by(batch_id=batch.id).order_by(RecheckItem.case_id).all()
        return batch.id, {i.case_id: i.id for i in items}, {c.key: getattr(batch, c.key) for c in
                                                             batch.__table__.columns}


def _refused(world, who="city_sup", **data):
    with app_ctx(world.app) as session, pytest.raises(Conflict) as refused:
        rechecks.schedule(session.get(User, world.ids[who]), {"title": "回头看", "due_on": DUE, **data})
    return refused.value


def _record(world, item_id, who, **data):
    with app_ctx(world.app) as session:
        item = rechecks.record_result(item_id, session.get(User, world.ids[who]), data)
        return item.status


def test_a_recheck_takes_the_closed_problems_matching_every_filter(world):
    audit = _closed(world, source="audit", external_ref="审计-1")
    video = _closed(world)
    drive(world, "verified")  # verified, not yet closed off: not a closed problem
    drive(world, "accepted")  # nor one being handled
    _batch, items, fields = _schedule(world)
    assert sorted(items) == [audit, video]
    assert (fields["title"], fields["due_on"], fields["source"], fields["sample_size"], fields["seed"],
            fields["created_by"]) == ("回头看", DUE, None, None, None, world.city_sup)
    # all of them are waiting now; confirmed, they may be re-checked again
    assert _refused(world).error == "nothing_to_recheck"
    for item_id in items.values():
        assert _record(world, item_id, "city_sup", result="confirmed") == "confirmed"
    assert sorted(_schedule(world, source="audit")[1]) == [audit]
    assert sorted(_schedule(world, county_adcode="610923")[1]) == [video]


def test_each_filter_narrows_the_choice(world):
    from tests.cases.conftest import HANBIN

    audit = _closed(world, source="audit", external_ref="审计-1")
    world.open(where=HANBIN)  # 汉滨's supervisors read this one, none of 宁陕's
    _closed(world)
    assert _refused(world, source="central_inspection").error == "nothing_to_recheck"
    assert _refused(world, county_adcode="610902").error == "nothing_to_recheck"  # 汉滨: none closed
    assert _refused(world, category="farmstay").error == "nothing_to_recheck"
    assert _refused(world, who="other_county_sup").error == "nothing_to_recheck"  # not in 汉滨's scope
    batch_id, items, fields = _schedule(world, source="audit", county_adcode="610923", category="illegal_logging")
    assert list(items) == [audit]
    assert (fields["source"], fields["county_adcode"], fields["category"]) == ("audit", "610923", "illegal_logging")
    with app_ctx(world.app) as session:
        batch, listed = rechecks.batch_items(batch_id, session.get(User, world.ids["county_sup"]))
        assert batch.id == batch_id and [i.case_id for i in listed] == [audit]
        with pytest.raises(NotFound):
            rechecks.batch_items(batch_id, session.get(User, world.ids["other_county_sup"]))


def test_a_sample_is_seeded_and_one_as_large_as_the_matches_takes_them_all(world):
    ids = [_closed(world, source="provincial_inspection", external_ref=f"省-{n}") for n in range(4)]
    _batch, items, fields = _schedule(world, source="provincial_inspection", sample=3)
    assert fields["sample_size"] == 3 and fields["seed"] is not None
    assert sorted(items) == sorted(random.Random(fields["seed"]).sample(ids, 3))  # reproducible from the seed
    (left,) = set(ids) - set(items)
    _batch, rest, fields = _schedule(world, source="provincial_inspection", sample=1)
    assert list(rest) == [left] and fields["seed"] is None  # the sample is all there is: no draw


def test_a_sample_of_exactly_the_matches_is_not_drawn(world):
    ids = [_closed(world, source="audit", external_ref=f"审计-{n}") for n in range(2)]
    _batch, items, fields = _schedule(world, source="audit", sample=2)
    assert sorted(items) == ids and fields["seed"] is None and fields["sample_size"] == 2


def test_a_sample_larger_than_the_matches_takes_them_all(world):
    ids = [_closed(world, source="audit", external_ref=f"审计-{n}") for n in range(2)]
    _batch, items, fields = _schedule(world, source="audit", sample=10)
    assert sorted(items) == ids and fields["seed"] is None and fields["sample_size"] == 10


def test_the_seed_fits_the_integer_column_whatever_it_draws(world, monkeypatch):
    ids = [_closed(world, source="audit", external_ref=f"审计-{n}") for n in range(2)]
    monkeypatch.setattr(rechecks.secrets, "randbits", lambda bits: (1 << bits) - 1)  # the largest it may draw
    _batch, items, fields = _schedule(world, source="audit", sample=1)
    assert 0 <= fields["seed"] <= 2**31 - 1  # a signed 32-bit INTEGER on PostgreSQL
    assert list(items) == random.Random(fields["seed"]).sample(ids, 1)


def test_a_batch_due_today_is_due_and_one_due_tomorrow_is_not(world):
    today = date.today()
    first = _closed(world, source="audit", external_ref="审计-1")
    _batch_today, due_today, _ = _schedule(world, due_on=today)
    second = _closed(world, source="audit", external_ref="审计-2")
    _batch, due_tomorrow, _ = _schedule(world, due_on=today + timedelta(days=1))
    assert list(due_today) == [first] and list(due_tomorrow) == [second]
    with app_ctx(world.app) as session:
        sup = session.get(User, world.ids["city_sup"])
        for batch_id, case_id in ((_batch_today, first), (_batch, second)):
            assert [i.case_id for i in rechecks.batch_items(batch_id, sup)[1]] == [case_id]
        assert [b.id for b in session.execute(rechecks.batches_query(sup)).scalars()] == [_batch, _batch_today]
    with app_ctx(world.app) as session:
        sup = session.get(User, world.ids["city_sup"])
        due = db.session.execute(rechecks.pending_query(sup, due_before=today + timedelta(days=1))).scalars().all()
        assert [i.case_id for i in due] == [first]
        assert [i.case_id for i in session.execute(rechecks.pending_query(sup)).scalars()] == [first, second]
        other = session.get(User, world.ids["other_county_sup"])
        assert session.execute(rechecks.pending_query(other)).scalars().all() == []
    _record(world, due_today[first], "inspector", result="confirmed")
    with app_ctx(world.app) as session:
        sup = session.get(User, world.ids["city_sup"])
        assert [i.case_id for i in session.execute(rechecks.pending_query(sup)).scalars()] == [second]
        inspector = session.get(User, world.ids["inspector"])
        assert [i.case_id for i in session.execute(rechecks.tasks_query(inspector)).scalars()] == [second]
        other = session.get(User, world.ids["other_inspector"])
        assert session.execute(rechecks.tasks_query(other)).scalars().all() == []


def test_who_records_the_finding_and_what_failed_does(world):
    first = _closed(world, source="audit", external_ref="审计-1")
    second = _closed(world, source="audit", external_ref="审计-2")
    batch_id, items, _ = _schedule(world, who="county_sup")
    with app_ctx(world.app) as session, pytest.raises(Forbidden):  # the handling unit sees it, may not check it
        rechecks.record_result(items[first], session.get(User, world.ids["officer"]), {"result": "confirmed"})
    with app_ctx(world.app) as session, pytest.raises(NotFound):
        rechecks.record_result(items[first], session.get(User, world.ids["other_county_sup"]),
                               {"result": "confirmed"})
    with app_ctx(world.app) as session, pytest.raises(NotFound):
        rechecks.record_result(10**6, session.get(User, world.ids["city_sup"]), {"result": "confirmed"})
    photo = world.upload("city_sup")
    assert _record(world, items[first], "city_sup", result="confirmed", note="到位", photo_ids=[photo]) == "confirmed"
    with app_ctx(world.app) as session:
        item = session.get(RecheckItem, items[first])
        assert (item.checked_by, item.note, item.photo_ids) == (world.city_sup, "到位", [photo])
        assert session.get(Case, first).state == "closed"
        assert rechecks.can_see_photos(session.get(User, world.ids["county_sup"]), str(items[first]))
        assert not rechecks.can_see_photos(session.get(User, world.ids["other_county_sup"]), str(items[first]))
        assert not rechecks.can_see_photos(session.get(User, world.ids["county_sup"]), "x1")
        assert not rechecks.can_see_photos(session.get(User, world.ids["county_sup"]), "999999")
    # the photo belongs to the item now: whoever sees the problem sees it
    assert world.client.get(f"/api/v1/uploads/{photo}", headers=world.h("county_sup")).status_code == 200
    assert world.client.get(f"/api/v1/uploads/{photo}", headers=world.h("other_county_sup")).status_code == 404
    with app_ctx(world.app) as session, pytest.raises(Conflict):
        rechecks.record_result(items[first], session.get(User, world.ids["city_sup"]), {"result": "failed"})
    note = "违" * 2000  # the longest note: the reopening's comment is cut to what a comment holds
    assert _record(world, items[second], "inspector", result="failed", note=note) == "failed"
    with app_ctx(world.app) as session:
        assert session.get(Case, first).state == "closed"
        assert session.get(Case, second).state == "in_progress"
        event = session.query(CaseEvent).filter_by(case_id=second).order_by(CaseEvent.id.desc()).first()
        assert (event.action, event.actor_id) == ("reopen", world.county_sup)
        assert len(event.internal_comment) == 2000
        assert event.internal_comment.startswith(f"回头看 item {items[second]}, checked by user {world.inspector}: 违")


def test_the_register_shows_the_latest_recheck(world):
    case_id = _closed(world, source="audit", external_ref="审计-1")
    _batch, items, _ = _schedule(world)
    with app_ctx(world.app):
        assert rechecks.latest_results([case_id]) == {case_id: "pending"}
        assert rechecks.latest_results([]) == {}
    _record(world, items[case_id], "inspector", result="confirmed")
    _batch, again, _ = _schedule(world)
    with app_ctx(world.app):
        assert rechecks.latest_results([case_id]) == {case_id: "pending"}  # the newer one
    _record(world, again[case_id], "inspector", result="failed")
    with app_ctx(world.app):
        assert rechecks.latest_results([case_id, case_id + 1000]) == {case_id: "failed"}


def test_a_refused_finding_leaves_nothing_behind_in_the_callers_session(world):
    case_id = _closed(world, source="audit", external_ref="审计-1")
    _batch, items, _ = _schedule(world)
    not_theirs = world.upload("city_sup")
    with app_ctx(world.app) as session:
        with pytest.raises(ValidationFailed):  # someone else's photo: refused after the item was changed
            rechecks.record_result(items[case_id], session.get(User, world.ids["inspector"]),
                                   {"result": "confirmed", "photo_ids": [not_theirs]})
        session.commit()  # a caller that carries on with its session
    with app_ctx(world.app) as session:
        assert session.get(RecheckItem, items[case_id]).status == "pending"
