"""How patrols plug into other features: who may see the photos of check-ins and observations."""
from reporter.accounts.models import User
from reporter.extensions import db
from reporter.media.services import register_visibility
from reporter.patrols.models import Checkin, Observation
from reporter.patrols.services import can_read


def _photo_check(model):
    def check(user: User, target_id: str) -> bool:
        row = db.session.get(model, target_id)
        return row is not None and can_read(user, row.patrol)

    return check


def wire() -> None:
    """Register the reactions (called once when the API module is imported)."""
    register_visibility("patrol_checkin", _photo_check(Checkin))
    register_visibility("patrol_observation", _photo_check(Observation))
