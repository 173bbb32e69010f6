"""Resident identity card numbers (公民身份号码, GB 11643-1999): 6-digit area, birth date, sequence, check digit."""
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CODES = "10X98765432"  # indexed by (weighted sum mod 11)
# The shape the document states: area (no leading 0), birth date 19xx/20xx, sequence, check character.
ID_NUMBER_PATTERN = r"^[1-9][0-9]{5}(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]$"


def check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    return CHECK_CODES[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def id_number_problem(value: str) -> str | None:
    """Why the number is not a valid 18-character ID number, or None when it is."""
    number = value.strip().upper()
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return "An ID number has 17 digits and a final digit or X"
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "The birth date inside the ID number does not exist"
    if born.year < 1900 or born > date.today():
        return "The birth date inside the ID number is not plausible"
    if check_digit(number[:17]) != number[17]:
        return "The ID number's check digit is wrong"
    return None


def mask(number: str) -> str:
    """Only the first 3 and last 4 characters shown: 610***********1234."""
    return number[:3] + "*" * (len(number) - 7) + number[-4:] if len(number) > 7 else "*" * len(number)
