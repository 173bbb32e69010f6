"""A copy of one's own data (个人信息副本): everything the system holds about the signed-in resident, as one
document, and as a ZIP with the photos. Nothing about other people, nothing staff-internal (flags, internal notes,
officers' names, eligibility reasoning)."""
import io
import json
import zipfile

from sqlalchemy import select

from reporter.accounts.models import User
from reporter.common.timeutil import utcnow
from reporter.errors import NotFound
from reporter.extensions import db
from reporter.media.models import Upload
from reporter.media.services import image_for_user, upload_out
from reporter.notify.models import OutboxMessage
from reporter.privacy.consent import consents_of
from reporter.reports import views as report_views
from reporter.reports.crypto import decrypt_contact
from reporter.reports.services import my_reports_query
from reporter.rewards.models import Reward


def my_data(user: User) -> dict:
    """The whole copy as plain data (the schema MyDataOut gives its shape)."""
    reports = list(db.session.execute(my_reports_query(user)).scalars())
    rewards = list(db.session.execute(select(Reward).where(Reward.reporter_id == user.id)
                                      .order_by(Reward.id)).scalars())
    uploads = list(db.session.execute(select(Upload).where(Upload.uploader_id == user.id)
                                      .order_by(Upload.created_at, Upload.id)).scalars())
    messages = list(db.session.execute(select(OutboxMessage).where(OutboxMessage.recipient_id == user.id)
                                       .order_by(OutboxMessage.created_at, OutboxMessage.id)).scalars())
    return {
        "generated_at": utcnow(),
        "account": user,
        "consents": consents_of(user.id),
        "reports": [report_views.resident_view(report) for report in reports],
        "rewards": [_RewardCopy(reward, _payee(reward)) for reward in rewards],
        "photos": [upload_out(upload) for upload in uploads],
        "notifications": messages,
    }


class _RewardCopy:
    """A reward as the resident sees it (MyRewardOut's fields) with the payee details they gave."""

    def __init__(self, reward: Reward, payee: dict | None):
        self._reward, self.payee = reward, payee

    def __getattr__(self, name):
        return getattr(self._reward, name)


def _payee(reward: Reward) -> dict | None:
    """The payee details the resident gave for a claim, as they gave them."""
    if reward.payee_ciphertext is None:
        return None
    payee = decrypt_contact(reward.payee_ciphertext)
    return {"name": payee["name"], "id_number": payee["id_number"], "payout_account": payee["account"]}


def my_data_zip(user: User, document: dict) -> bytes:
    """The copy as a ZIP: `data.json` (the document) and `photos/<id>.jpg` (each own photo, as stored)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(document, ensure_ascii=False, indent=2))
        for photo in document["photos"]:
            try:
                upload, data = image_for_user(user, photo["id"], "display")
            except NotFound:  # a file lost from storage (logged by media): the copy holds everything else
                continue
            archive.writestr(f"photos/{upload.id}.jpg", data, compress_type=zipfile.ZIP_STORED)  # JPEG: compressed
    return out.getvalue()
