"""Uploads: create through the pipeline, attach once to the object they prove, show only to those allowed."""
import hashlib
import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import BinaryIO

import imagehash
from flask import current_app
from sqlalchemy import delete, select, update

from reporter.accounts.models import User
from reporter.common.timeutil import utcnow
from reporter.errors import AppError, NotFound, PayloadTooLarge, ValidationFailed
from reporter.extensions import db
from reporter.geo.coords import from_wgs84
from reporter.media import pipeline
from reporter.media.links import VARIANTS, check_signature, signed_url
from reporter.media.models import Upload
from reporter.media.settings import setting
from reporter.media.storage import Storage, image_key, is_image_key, storage

log = logging.getLogger(__name__)

# target_type -> who may see photos attached to such an object (registered by reports, cases, patrols)
_VISIBILITY: dict[str, Callable[[User, str], bool]] = {}
# target_type -> who, besides the uploader, sees the EXIF time and position (default: whoever may see the photo)
_EXIF_READERS: dict[str, Callable[[User], bool]] = {}


class StorageUnavailable(AppError):
    status, error, message = 503, "storage_unavailable", "The photo could not be stored; try again later"


class StorageUnreadable(StorageUnavailable):
    message = "The photo cannot be read just now; try again later"


# Creating ----------------------------------------------------------------------------------------------------------

def read_capped(stream: BinaryIO, limit: int) -> bytes:
    """Read a file stream, refusing (413) as soon as it is longer than the limit."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"The file is larger than {limit} bytes")
    return data


def create_upload(uploader_id: int, stream: BinaryIO, purpose: str) -> Upload:
    """Run a phone's photo through the pipeline, store its variants, then record it (one commit)."""
    data = read_capped(stream, current_app.config["MAX_UPLOAD_BYTES"])
    with pipeline.decode_slot(setting("IMAGE_DECODES_AT_ONCE"), setting("IMAGE_DECODE_WAIT_S")):
        image = pipeline.process(data, setting("MAX_IMAGE_PIXELS"), setting("IMAGE_DECODE_BUDGET_MIB"))
    store = storage()
    written = _store_variants(store, image)
    try:
        upload = Upload(
            uploader_id=uploader_id, purpose=purpose, state="pending", sha256=image.sha256, phash=image.phash,
            width=image.width, height=image.height, bytes=len(image.display), content_type="image/jpeg",
            taken_at=image.facts.taken_at, gps_lat=image.facts.gps_lat, gps_lng=image.facts.gps_lng,
            camera_make=image.facts.camera_make, camera_model=image.facts.camera_model,
        )
        db.session.add(upload)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        _delete(store, written)
        raise
    return upload


def _store_variants(store: Storage, image: pipeline.ProcessedImage) -> list[str]:
    """Write both variants; the keys this call created are returned (an identical photo's files are reused)."""
    written: list[str] = []
    try:
        for variant, data in (("display", image.display), ("thumbnail", image.thumbnail)):
            key = image_key(variant, image.sha256)
            if not store.exists(key):
                written.append(key)
            store.put(key, data)  # rewriting identical bytes refreshes the file's age for the purge
    except OSError as exc:
        log.error("storing upload %s failed: %s", image.sha256, exc)
        _delete(store, written)
        raise StorageUnavailable() from exc
    return written


def _delete(store: Storage, keys: Iterable[str]) -> None:
    for key in keys:
        try:
            store.delete(key)
        except OSError as exc:  # the purge removes what is left
            log.warning("could not remove %s: %s", key, exc)


# Attaching ---------------------------------------------------------------------------------------------------------

def attach_uploads(upload_ids: list[str], actor_id: int, target_type: str, target_id: str, *,
                   field: str = "photo_ids", purposes: tuple[str, ...] | None = None) -> list[Upload]:
    """Attach the actor's pending uploads to one object, each once, in the caller's transaction (no commit)."""
    rows = {u.id: u for u in db.session.scalars(
        select(Upload).where(Upload.id.in_(upload_ids)).with_for_update()
    )}
    errors: dict[int, list[str]] = {}
    for index, upload_id in enumerate(upload_ids):
        upload = rows.get(upload_id)
        if upload is None or upload.uploader_id != actor_id:
            errors[index] = ["No such upload of yours."]
        elif upload_ids.index(upload_id) != index:
            errors[index] = ["This photo is listed twice."]
        elif upload.state != "pending":
            errors[index] = ["This photo is already attached to something else."]
        elif purposes is not None and upload.purpose not in purposes:
            errors[index] = [f"A photo uploaded for {upload.purpose!r} cannot be used here."]
    if errors:
        raise ValidationFailed(errors={"json": {field: errors}})
    now = utcnow()
    changed = db.session.execute(
        update(Upload)
        .where(Upload.id.in_(upload_ids), Upload.uploader_id == actor_id, Upload.state == "pending")
        .values(state="attached", attached_type=target_type, attached_id=str(target_id), attached_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != len(upload_ids):  # another request attached one of them first
        raise ValidationFailed(errors={"json": {field: {
            i: ["This photo is already attached to something else."] for i in range(len(upload_ids))
        }}})
    fresh = {u.id: u for u in db.session.scalars(
        select(Upload).where(Upload.id.in_(upload_ids)).execution_options(populate_existing=True)
    )}
    return [fresh[upload_id] for upload_id in upload_ids]


# Seeing ------------------------------------------------------------------------------------------------------------

def register_visibility(target_type: str, check: Callable[[User, str], bool],
                        exif_readers: Callable[[User], bool] | None = None) -> None:
    """Say who may see photos attached to objects of one type (check(user, target_id)), and who of them also sees
    the EXIF time and position (exif_readers(user); everyone allowed by default)."""
    _VISIBILITY[target_type] = check
    if exif_readers is not None:
        _EXIF_READERS[target_type] = exif_readers


def can_view(user: User, upload: Upload) -> bool:
    """The uploader always; others only once it is attached, and only if that object's feature allows them."""
    if upload.uploader_id == user.id:
        return True
    if upload.state != "attached" or upload.attached_type not in _VISIBILITY:
        return False
    return bool(_VISIBILITY[upload.attached_type](user, upload.attached_id))


def get_upload(user: User, upload_id: str) -> Upload:
    """An upload the user may see; 404 otherwise (its existence is not revealed)."""
    upload = db.session.get(Upload, upload_id)
    if upload is None or not can_view(user, upload):
        raise NotFound("No such upload")
    return upload


def image_by_link(upload_id: str, variant: str, sig: str) -> tuple[Upload, bytes | str]:
    """For a signed link: the image variant's bytes, or (STORAGE_SERVE=redirect) a presigned URL of the store.

    A presigned URL lives no longer than the application's link it stands for.
    """
    remaining = check_signature(sig, upload_id, variant)
    upload = db.session.get(Upload, upload_id)
    if upload is None:
        raise NotFound("No such upload")
    store = storage()
    if setting("STORAGE_SERVE") == "redirect" and hasattr(store, "presigned_url") and variant in VARIANTS:
        return upload, store.presigned_url(image_key(variant, upload.sha256), min(remaining, 3600),
                                           f"{upload.id}-{variant}.jpg", "image/jpeg")
    return upload, _read_variant(upload, variant)


def image_for_user(user: User, upload_id: str, variant: str) -> tuple[Upload, bytes]:
    """The bytes of an image variant, for a signed-in user allowed to see it."""
    upload = get_upload(user, upload_id)
    return upload, _read_variant(upload, variant)


def _read_variant(upload: Upload, variant: str) -> bytes:
    if variant not in VARIANTS:
        raise NotFound("No such image")
    try:
        with storage().open(image_key(variant, upload.sha256)) as fh:
            return fh.read()
    except FileNotFoundError:
        log.error("file of upload %s (%s) is missing", upload.id, variant)
        raise NotFound("The image file is missing") from None
    except OSError as exc:
        log.error("reading upload %s (%s) failed: %s", upload.id, variant, exc)
        raise StorageUnreadable() from exc


# Output ------------------------------------------------------------------------------------------------------------

def _shows_exif(viewer: User, upload: Upload) -> bool:
    readers = _EXIF_READERS.get(upload.attached_type or "")
    return readers is None or readers(viewer)


def upload_out(upload: Upload, coord_system: str = "wgs84", viewer: User | None = None) -> dict:
    """The API.md upload JSON, with fresh signed links; call it only for users allowed to see the photo.

    The camera (make, model) only ever goes back to the uploader (`viewer` None or the uploader): a rare phone
    narrows who took the photo and links their photos. The EXIF time and position go to those the photo's feature
    names (reports: the supervisors' and reward desk, not the units)."""
    own = viewer is None or viewer.id == upload.uploader_id
    exif = own or _shows_exif(viewer, upload)
    return {
        "id": upload.id,
        "purpose": upload.purpose,
        "state": upload.state,
        "sha256": upload.sha256,
        "content_type": upload.content_type,
        "width": upload.width,
        "height": upload.height,
        "bytes": upload.bytes,
        "taken_at": upload.taken_at.isoformat() if exif and upload.taken_at else None,
        "gps": _gps(upload, coord_system) if exif else None,
        "camera": {"make": upload.camera_make, "model": upload.camera_model}
        if own and (upload.camera_make or upload.camera_model) else None,
        "created_at": upload.created_at.isoformat(),
        "url": signed_url(upload.id, "display"),
        "thumbnail_url": signed_url(upload.id, "thumbnail"),
    }


def uploads_out(uploads: list[Upload], coord_system: str = "wgs84", viewer: User | None = None) -> list[dict]:
    """upload_out for each upload, in order."""
    return [upload_out(upload, coord_system, viewer) for upload in uploads]


def _gps(upload: Upload, coord_system: str) -> dict | None:
    if upload.gps_lat is None or upload.gps_lng is None:
        return None
    lat, lng = from_wgs84(upload.gps_lat, upload.gps_lng, coord_system)  # EXIF positions are WGS-84
    return {"lat": lat, "lng": lng}


def phash_distance(a: str, b: str) -> int:
    """Bits that differ between two perceptual hashes (0 = the same picture; under ~10 = very likely the same)."""
    return int(imagehash.hex_to_hash(a) - imagehash.hex_to_hash(b))


# Housekeeping ------------------------------------------------------------------------------------------------------

def delete_pending_uploads(uploader_id: int) -> list[str]:
    """Delete the uploader's uploads never attached, in the caller's transaction; the sha256 of each (pass them to
    remove_unreferenced_files after the commit)."""
    rows = db.session.execute(delete(Upload).where(Upload.uploader_id == uploader_id, Upload.state == "pending")
                              .returning(Upload.sha256).execution_options(synchronize_session=False)).scalars()
    return list(rows)


def remove_unreferenced_files(shas: Iterable[str]) -> int:
    """Remove the stored files of these images when no upload refers to them any more (after a commit)."""
    shas = set(shas)
    if not shas:
        return 0
    referenced = set(db.session.scalars(select(Upload.sha256).where(Upload.sha256.in_(shas))))
    keys = [image_key(variant, sha) for sha in sorted(shas - referenced) for variant in VARIANTS]
    _delete(storage(), keys)
    return len(keys)


def purge_orphans(older_than: timedelta) -> tuple[int, int]:
    """Delete uploads never attached within the time, then every stored file no row refers to (one commit)."""
    cutoff = utcnow() - older_than
    rows = db.session.execute(
        delete(Upload).where(Upload.state == "pending", Upload.created_at < cutoff)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    store = storage()
    stale = [key for key in store.keys(modified_before=cutoff) if is_image_key(key)]  # documents have rows of their own
    referenced: set[str] = set()
    shas = sorted({_key_sha(key) for key in stale})
    for start in range(0, len(shas), 500):
        chunk = shas[start:start + 500]
        referenced.update(db.session.scalars(select(Upload.sha256).where(Upload.sha256.in_(chunk))))
    orphans = [key for key in stale if _key_sha(key) not in referenced]
    _delete(store, orphans)
    return rows, len(orphans)


def _key_sha(key: str) -> str:
    return key.rsplit("/", 1)[-1].split(".", 1)[0]


def copy_storage(source: Storage, target: Storage, progress: Callable[[str, str], None]) -> dict[str, int]:
    """Copy every stored file from one storage to another, checking each copy's SHA-256 (resumable).

    A key the target already holds with the same hash is skipped, so an interrupted run continues where it
    stopped; a copy whose hash differs is written again. Nothing is deleted and the application's own storage
    setting is untouched, so users see no change while it runs.
    """
    counts = {"copied": 0, "already_there": 0, "failed": 0}
    for key in source.keys(modified_before=utcnow() + timedelta(days=1)):
        with source.open(key) as fh:
            data = fh.read()
        digest = hashlib.sha256(data).hexdigest()
        if target.stored_sha256(key) == digest:
            counts["already_there"] += 1
            progress(key, "already there")
            continue
        target.put(key, data)
        with target.open(key) as fh:
            copied = hashlib.sha256(fh.read()).hexdigest()
        if copied == digest:
            counts["copied"] += 1
            progress(key, "copied")
        else:
            counts["failed"] += 1
            progress(key, "FAILED: the copy's hash differs")
    return counts
