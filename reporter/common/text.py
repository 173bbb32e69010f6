"""Text folded for comparison: what a person may type differently but means the same."""
import unicodedata


def fold(text: str) -> str:
    """NFKC (full-width digits and letters, ideographic spaces), case-folded, letters and digits only.

    Separators, spaces, punctuation and invisible characters do not matter: "１３８-0013 8000" → "13800138000",
    "张 三" → "张三", "abc-de fghjk" → "abcdefghjk"."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())
