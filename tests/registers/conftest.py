"""The case tests' small world (people of 宁陕 and the city, helpers to drive cases), shared by the register tests."""
from tests.cases.conftest import World, drive, world  # noqa: F401 — the fixture is used by the tests here
