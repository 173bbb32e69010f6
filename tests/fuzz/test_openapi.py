"""schemathesis against our own OpenAPI document, signed in as each role in turn (issue 10).

Every operation of ``/api/openapi.json`` is fuzzed through the WSGI app under all of schemathesis's default checks:
no 5xx, responses match the documented schemas, status codes and content types, valid data is accepted, invalid
data is rejected and auth is not ignored. An operation is fuzzed in depth (valid and invalid data) for the roles its
``x-roles`` names (every role when it names none; public operations once) and lightly for the others, which must
get a documented refusal. Each operation is a subtest, so one run lists every failure.

Opt-in for now (``REPORTER_FUZZ=1``): schema-valid requests that break a business rule the document cannot state
(an unknown category, a point outside Ankang, bytes that are not an image, a stale If-Match) still fail
schemathesis's positive-data check, and the run takes about 10 minutes on two shared cores.
"""
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

ROLES = {  # role -> the unit a user of that role belongs to
    "resident": None,
    "inspector": None,
    "officer": "610923.forestry",
    "supervisor": "city.qinling_office",
    "reward_officer": None,
    "reward_approver": None,
    "auditor": None,
    "admin": None,
}
PUBLIC_ROLE = "resident"  # public operations are fuzzed in depth once, with this role's token
DEPTH = {"full": (10, (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)), "light": (2, (GenerationMode.POSITIVE,))}

# Operations that spend the session they are called with get a token of their own on each call.
OWN_SESSION = {"POST /api/v1/auth/logout": "access_token", "POST /api/v1/auth/refresh": "refresh_token"}


class Signer:
    """Bearer headers for one user: one session for most calls, a fresh one where a call spends it."""

    def __init__(self, users, role: str):
        self.users, self.role = users, role
        self.user_id = users.make(role, unit_code=ROLES[role])
        self.shared = users.tokens(self.user_id)["access_token"]

    def headers(self, case) -> dict:
        kind = OWN_SESSION.get(f"{case.method.upper()} {case.path}")
        token = self.users.tokens(self.user_id)[kind] if kind else self.shared
        return {"Authorization": f"Bearer {token}"}

    def depth(self, operation) -> str:
        """How hard to fuzz this operation as this role."""
        raw = operation.definition.raw
        if not raw.get("security"):
            return "full" if self.role == PUBLIC_ROLE else "light"
        return "full" if self.role in raw.get("x-roles", ROLES) else "light"


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app, config=SchemathesisConfig())
    for result in schema.get_all_operations():
        yield result.ok()


def _fuzz(operation, mode: GenerationMode, examples: int, signer: Signer) -> None:
    @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(mode))
    def run(case):
        case.call_and_validate(headers=signer.headers(case))

    try:
        run()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise  # an operation without any input has no invalid request to send


@pytest.mark.skipif(os.environ.get("REPORTER_FUZZ") != "1", reason="fuzzing is opt-in: REPORTER_FUZZ=1")
@pytest.mark.slow
@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_operation_keeps_its_contract(app, users, subtests, role):
    signer = Signer(users, role)
    for operation in _operations(app):
        examples, modes = DEPTH[signer.depth(operation)]
        for mode in modes:
            with subtests.test(msg=f"{operation.label} {mode.value}"):
                _fuzz(operation, mode, examples, signer)
