"""What /me shows beyond the user row: the grids an inspector is assigned to."""
from reporter.accounts.models import User


def grids_of(user: User) -> list:
    """Grids assigned to the user (inspectors); empty for everyone else."""
    try:
        from reporter.geo.services import grids_assigned_to
    except ModuleNotFoundError:  # the geography feature is optional in this module's tests
        return []
    return grids_assigned_to(user.id)
