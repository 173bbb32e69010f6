"""Checks on a report's photos that leave flags for the supervisor, never a refusal.

EXIF positions are WGS-84 and the report's point is stored in WGS-84 (converted from GCJ-02 when the phone sent
that), so the two are compared in one system. A photo whose perceptual hash is close to a photo another person sent
with a report is flagged as reused evidence.
"""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from reporter.extensions import db
from reporter.geo.coords import distance_m
from reporter.media.models import Upload
from reporter.media.services import phash_distance

HASH_BANDS = 8  # a 64-bit hash in 8 one-byte bands: any two within 7 bits share at least one band exactly


def _setting(name: str, default):
    return current_app.config.get(name, default)


def exif_flags(photos: list[Upload], lat: float, lng: float, reference_time: datetime) -> list[dict]:
    """Photos taken far from the reported point, or long before the reported time, with the EXIF position or time
    (for the supervisors and the reward desk only: units never get the flags)."""
    max_m = _setting("REPORT_EXIF_MAX_DISTANCE_M", 500)
    max_age = timedelta(hours=_setting("REPORT_EXIF_MAX_AGE_HOURS", 72))
    flags = []
    for photo in photos:
        if photo.gps_lat is not None and photo.gps_lng is not None:
            far = distance_m(lat, lng, photo.gps_lat, photo.gps_lng)
            if far > max_m:
                flags.append({"kind": "exif_far", "photo_id": photo.id, "distance_m": round(far),
                              "gps": {"lat": photo.gps_lat, "lng": photo.gps_lng}})  # WGS-84
        if photo.taken_at is not None and reference_time - photo.taken_at > max_age:
            hours = (reference_time - photo.taken_at).total_seconds() / 3600
            flags.append({"kind": "exif_old", "photo_id": photo.id, "hours_before": round(hours),
                          "taken_at": photo.taken_at.isoformat()})
    return flags


def reuse_flags(photos: list[Upload], reporter_id: int) -> list[dict]:
    """Photos that look like a photo someone else sent with a report (perceptual hash within the threshold)."""
    limit = min(_setting("REPORT_PHASH_MAX_DISTANCE", 6), HASH_BANDS - 1)
    width = 16 // HASH_BANDS
    hashed = [p for p in photos if p.phash and len(p.phash) == 16]
    if not hashed:
        return []
    # One query for all photos: rows sharing a band with any of them, then the exact distance here.
    bands = {(i, p.phash[i * width:(i + 1) * width]) for p in hashed for i in range(HASH_BANDS)}
    candidates = db.session.execute(select(Upload.id, Upload.phash, Upload.attached_id).where(
        Upload.attached_type == "report", Upload.uploader_id != reporter_id,
        or_(*(func.substr(Upload.phash, i * width + 1, width) == band for i, band in sorted(bands))),
    ).order_by(Upload.created_at, Upload.id)).all()
    flags = []
    for photo in hashed:
        for other_id, other_hash, report_id in candidates:
            distance = phash_distance(photo.phash, other_hash)
            if distance <= limit:
                flags.append({"kind": "photo_reused", "photo_id": photo.id, "similar_photo_id": other_id,
                              "report_id": report_id, "distance": distance})
                break
    return flags
