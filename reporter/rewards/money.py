"""Money is integer fen (分) everywhere; yuan appear only as formatted text on output."""


def yuan(fen: int | None) -> str | None:
    """Fen as yuan text with thousands separators: 100000 → "1,000.00"."""
    if fen is None:
        return None
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def split(total_fen: int, parts: int) -> list[int]:
    """Split an amount into `parts` shares differing by at most one fen, larger shares first; sums to the total."""
    base, rest = divmod(total_fen, parts)
    return [base + 1 if i < rest else base for i in range(parts)]
