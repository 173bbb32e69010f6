"""Identity numbers (GB 11643-1999) and fen/yuan arithmetic at their edges, checked against the standard's own
definition of the check character rather than against our table."""
from datetime import date, timedelta

import pytest

from reporter.rewards.idnumber import check_digit, id_number_problem, mask
from reporter.rewards.money import split, yuan

WRONG_CHECK = "The ID number's check digit is wrong"
NOT_PLAUSIBLE = "The birth date inside the ID number is not plausible"
NO_SUCH_DATE = "The birth date inside the ID number does not exist"
SHAPE = "An ID number has 17 digits and a final digit or X"


def iso7064(first17: str) -> str:
    """ISO 7064 MOD 11-2 as the standard writes it: weight of position i (1-based, from the left) is 2^(18-i) mod 11,
    check value (12 - sum mod 11) mod 11, 10 written X."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def number(first17: str) -> str:
    return first17 + iso7064(first17)


def test_the_standards_example_and_its_check_character():
    assert iso7064("11010519491231002") == "X"
    assert check_digit("11010519491231002") == "X"
    assert id_number_problem("11010519491231002X") is None


@pytest.mark.parametrize("position", range(17))
def test_every_position_carries_its_own_weight(position):
    base = "61090219800101001"
    for digit in "0123456789":
        first17 = base[:position] + digit + base[position + 1:]
        assert check_digit(first17) == iso7064(first17), (position, digit)


@pytest.mark.parametrize("first17", ["61090219800101001", "61090219991231999", "11010519491231002",
                                     "61092520000229123", "61092420100615008", "61090219800101000"])
def test_every_check_character_is_the_standards(first17):
    right = iso7064(first17)
    assert id_number_problem(first17 + right) is None
    for other in "0123456789X":
        if other != right:
            assert id_number_problem(first17 + other) == WRONG_CHECK


def test_every_check_value_maps_to_its_character():
    seen = {}
    for sequence in range(1000):
        first17 = f"61090219800101{sequence:03d}"
        seen[iso7064(first17)] = first17
        if len(seen) == 11:
            break
    assert set(seen) == set("0123456789X")
    for character, first17 in seen.items():
        assert check_digit(first17) == character


def test_the_birth_date_must_be_plausible_on_both_sides():
    assert id_number_problem(number("61090218991231001")) == NOT_PLAUSIBLE
    assert id_number_problem(number("61090219000101001")) is None
    today, tomorrow = date.today(), date.today() + timedelta(days=1)
    assert id_number_problem(number(f"610902{today:%Y%m%d}001")) is None
    assert id_number_problem(number(f"610902{tomorrow:%Y%m%d}001")) == NOT_PLAUSIBLE
    assert id_number_problem(number("61090230000101001")) == NOT_PLAUSIBLE


def test_a_birth_date_that_does_not_exist():
    assert id_number_problem(number("61090219490230002")) == NO_SUCH_DATE   # 30 February
    assert id_number_problem(number("61090219491301002")) == NO_SUCH_DATE   # month 13
    assert id_number_problem(number("61090219490100002")) == NO_SUCH_DATE   # day 0
    assert id_number_problem(number("61090220000229002")) is None           # a leap day


@pytest.mark.parametrize("value", ["1101051949123100", "11010519491231002", "11010519491231002X1", "",
                                   "11010519491231A02X", "11010519491231002Y", "X1010519491231002X",
                                   "11010519491231002A", "1101051949123100A2", "11010519491231002-"])
def test_the_shape_is_17_digits_and_a_digit_or_x(value):
    assert id_number_problem(value) == SHAPE


def test_a_lower_case_x_and_surrounding_spaces_are_accepted():
    assert id_number_problem(" 11010519491231002x ") is None


def test_mask_shows_the_first_three_and_last_four():
    assert mask("11010519491231002X") == "110***********002X"
    assert mask("12345678") == "123*5678"
    assert mask("1234567") == "*******"
    assert mask("123456") == "******"
    assert mask("") == ""


@pytest.mark.parametrize("fen, text", [(None, None), (0, "0.00"), (1, "0.01"), (9, "0.09"), (10, "0.10"),
                                       (99, "0.99"), (100, "1.00"), (101, "1.01"), (99_999, "999.99"),
                                       (100_000, "1,000.00"), (123_456_789, "1,234,567.89"), (-1, "-0.01"),
                                       (-100_050, "-1,000.50")])
def test_yuan_text(fen, text):
    assert yuan(fen) == text


@pytest.mark.parametrize("total, parts, shares", [(9, 3, [3, 3, 3]), (10, 3, [4, 3, 3]), (11, 3, [4, 4, 3]),
                                                  (2, 5, [1, 1, 0, 0, 0]), (0, 2, [0, 0]), (7, 1, [7]),
                                                  (100_00, 3, [3334, 3333, 3333])])
def test_split_larger_shares_first_and_sums_to_the_total(total, parts, shares):
    assert split(total, parts) == shares
    assert sum(split(total, parts)) == total
