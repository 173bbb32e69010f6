"""The evidence checks at their edges, from the rule: a photo taken more than REPORT_EXIF_MAX_DISTANCE_M (500 m) from
the reported point or more than REPORT_EXIF_MAX_AGE_HOURS (72 h) before the reported time is flagged; a photo whose
perceptual hash is within REPORT_PHASH_MAX_DISTANCE (6, at most 7: the band index) bits of a photo another person
sent with a report is flagged as reused, naming the earliest such photo."""
import math
from datetime import UTC, datetime, timedelta

import pytest

from reporter.extensions import db
from reporter.media.models import Upload
from reporter.reports.evidence import HASH_BANDS, exif_flags, reuse_flags
from tests.conftest import app_ctx

LAT, LNG = 33.3, 108.3
WHEN = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
BASE = "0123456789abcdef"


def north(metres: float) -> float:
    return LAT + math.degrees(metres / 6371008.8)


def photo(**fields) -> Upload:
    return Upload(id=fields.pop("id", "p1"), **fields)


def flip(hash_hex: str, *positions: int) -> str:
    """The hash with the lowest bit of each given hex digit flipped (one bit per digit)."""
    digits = list(hash_hex)
    for i in positions:
        digits[i] = f"{int(digits[i], 16) ^ 1:x}"
    return "".join(digits)


@pytest.mark.parametrize("metres, far", [(499.99, False), (500.01, True), (5000, True)])
def test_a_photo_is_far_beyond_500_metres(app, metres, far):
    with app.app_context():
        flags = exif_flags([photo(gps_lat=north(metres), gps_lng=LNG)], LAT, LNG, WHEN)
    assert [f["kind"] for f in flags] == (["exif_far"] if far else [])
    if far:
        assert flags[0] == {"kind": "exif_far", "photo_id": "p1", "distance_m": round(metres),
                            "gps": {"lat": north(metres), "lng": LNG}}


def test_a_photo_without_both_coordinates_is_never_far(app):
    with app.app_context():
        assert exif_flags([photo(gps_lat=north(9000), gps_lng=None)], LAT, LNG, WHEN) == []
        assert exif_flags([photo(gps_lat=None, gps_lng=LNG + 1)], LAT, LNG, WHEN) == []
        assert exif_flags([photo()], LAT, LNG, WHEN) == []


@pytest.mark.parametrize("hours, old", [(71.9, False), (72, False), (72.1, True), (100.4, True), (3601, True)])
def test_a_photo_is_old_beyond_72_hours(app, hours, old):
    taken = WHEN - timedelta(hours=hours)
    with app.app_context():
        flags = exif_flags([photo(taken_at=taken)], LAT, LNG, WHEN)
    assert flags == ([{"kind": "exif_old", "photo_id": "p1", "hours_before": round(hours),
                       "taken_at": taken.isoformat()}] if old else [])


def test_a_photo_taken_after_the_report_is_not_old(app):
    with app.app_context():
        assert exif_flags([photo(taken_at=WHEN + timedelta(hours=200))], LAT, LNG, WHEN) == []


def test_every_photo_gets_its_own_flags_far_before_old(app):
    photos = [photo(id="a", gps_lat=north(800), gps_lng=LNG, taken_at=WHEN - timedelta(hours=80)),
              photo(id="b", gps_lat=north(10), gps_lng=LNG, taken_at=WHEN - timedelta(hours=1)),
              photo(id="c", gps_lat=north(900), gps_lng=LNG)]
    with app.app_context():
        flags = exif_flags(photos, LAT, LNG, WHEN)
    assert [(f["kind"], f["photo_id"]) for f in flags] == [("exif_far", "a"), ("exif_old", "a"), ("exif_far", "c")]


def test_the_exif_limits_are_settings(make_app):
    strict = make_app(REPORT_EXIF_MAX_DISTANCE_M=100, REPORT_EXIF_MAX_AGE_HOURS=1)
    with strict.app_context():
        flags = exif_flags([photo(gps_lat=north(150), gps_lng=LNG, taken_at=WHEN - timedelta(hours=2))],
                           LAT, LNG, WHEN)
        assert [f["kind"] for f in flags] == ["exif_far", "exif_old"]
        assert exif_flags([photo(gps_lat=north(90), gps_lng=LNG, taken_at=WHEN - timedelta(minutes=50))],
                          LAT, LNG, WHEN) == []


# ---- reused photos -------------------------------------------------------------------------------------------------

def _stored(app, uploader: int, phash: str, *, report: str = "r1", attached_type: str = "report",
            created: datetime = WHEN) -> str:
    with app_ctx(app) as session:
        row = Upload(uploader_id=uploader, purpose="report", state="attached", attached_type=attached_type,
                     attached_id=report, sha256="0" * 64, phash=phash, width=10, height=10, bytes=100,
                     created_at=created)
        session.add(row)
        session.commit()
        return row.id


def _reused(app, phash: str | None, reporter: int) -> list[dict]:
    with app.app_context():
        try:
            return reuse_flags([photo(id="new", phash=phash)], reporter)
        finally:
            db.session.remove()


@pytest.mark.parametrize("bits, reused", [(0, True), (6, True), (7, False)])
def test_a_photo_within_6_bits_of_another_persons_is_reused(app, users, bits, reused):
    other, me = users.make("resident"), users.make("resident")
    theirs = _stored(app, other, BASE, report="r9")
    flags = _reused(app, flip(BASE, *range(bits)), me)
    assert flags == ([{"kind": "photo_reused", "photo_id": "new", "similar_photo_id": theirs, "report_id": "r9",
                       "distance": bits}] if reused else [])


def test_anyone_elses_photo_counts_whoever_signed_up_first(app, users):
    me, later = users.make("resident"), users.make("resident")  # the other account is the newer one
    theirs = _stored(app, later, BASE, report="r5")
    assert [(f["similar_photo_id"], f["report_id"]) for f in _reused(app, BASE, me)] == [(theirs, "r5")]


def test_a_persons_own_photos_and_photos_not_sent_with_a_report_are_not_reuse(app, users):
    from reporter.media.services import _VISIBILITY  # every kind of thing a photo can be attached to

    me, other = users.make("resident"), users.make("resident")
    _stored(app, me, BASE)
    others = sorted(set(_VISIBILITY) - {"report"})
    assert "case" in others and "patrol_checkin" in others
    for kind in others:
        _stored(app, other, BASE, attached_type=kind)
    assert _reused(app, BASE, me) == []


def test_photos_without_a_whole_hash_are_not_compared(app, users):
    other, me = users.make("resident"), users.make("resident")
    _stored(app, other, BASE)
    assert _reused(app, None, me) == [] and _reused(app, BASE[:15], me) == []
    zeros = "0000fedcba987654"  # far from BASE; with one leading zero more it is the same number, sharing a band
    _stored(app, other, zeros)
    assert [f["distance"] for f in _reused(app, zeros, me)] == [0]
    assert _reused(app, "0" + zeros, me) == []  # 17 digits: not a hash this pipeline makes, never compared


@pytest.mark.parametrize("same_band", range(HASH_BANDS))
def test_the_threshold_is_capped_at_7_bits_found_through_any_one_band(make_app, users, same_band, app):
    """Seven bits differ, one in each band but one: the photos share exactly that band, and 7 is the most the bands
    guarantee to find, so a larger setting finds them and nothing further."""
    assert HASH_BANDS == 8
    other, me = users.make("resident"), users.make("resident")
    theirs = _stored(app, other, BASE)
    loose = make_app(REPORT_PHASH_MAX_DISTANCE=20)
    seven = flip(BASE, *(2 * band for band in range(HASH_BANDS) if band != same_band))
    with loose.app_context():
        assert [f["similar_photo_id"] for f in reuse_flags([photo(id="new", phash=seven)], me)] == [theirs]
        eight = flip(seven, 2 * same_band + 1)
        assert reuse_flags([photo(id="new", phash=eight)], me) == []
        other_band = (same_band + 1) % HASH_BANDS
        eight_sharing = flip(seven, 2 * other_band + 1)  # still sharing `same_band`: found, but 8 bits is past the cap
        assert reuse_flags([photo(id="new", phash=eight_sharing)], me) == []
        db.session.remove()


def test_a_stricter_setting_is_read(make_app, users, app):
    other, me = users.make("resident"), users.make("resident")
    _stored(app, other, BASE)
    strict = make_app(REPORT_PHASH_MAX_DISTANCE=3)
    with strict.app_context():
        assert [f["distance"] for f in reuse_flags([photo(id="new", phash=flip(BASE, 0, 1, 2))], me)] == [3]
        assert reuse_flags([photo(id="new", phash=flip(BASE, 0, 1, 2, 3))], me) == []
        db.session.remove()


def test_the_earliest_similar_photo_is_named_once_per_photo(app, users):
    first, second, me = users.make("resident"), users.make("resident"), users.make("resident")
    later = _stored(app, second, BASE, report="r2", created=WHEN + timedelta(hours=1))
    earlier = _stored(app, first, flip(BASE, 5), report="r1", created=WHEN)
    with app.app_context():
        flags = reuse_flags([photo(id="x", phash=BASE), photo(id="y", phash=flip(BASE, 9, 10))], me)
        db.session.remove()
    assert [(f["photo_id"], f["similar_photo_id"], f["report_id"]) for f in flags] == [
        ("x", earlier, "r1"), ("y", earlier, "r1")]
    assert later != earlier
