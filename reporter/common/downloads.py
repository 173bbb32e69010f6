"""Files handed to the browser as downloads: never rendered, under a name the server makes safe."""
import re
import unicodedata
from urllib.parse import quote

from flask import Response

_UNSAFE = re.compile(r"[^\w.\-()（）\u4e00-\u9fff]+")


def safe_filename(name: str, fallback: str = "download") -> str:
    """A file name without paths, control or quoting characters (Chinese kept), at most 120 characters."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip("._ ")[:120]
    return name or fallback


def attachment(body, mimetype: str, filename: str) -> Response:
    """The body as a download (`Content-Disposition: attachment`, an ASCII name and the UTF-8 one, nosniff, a
    sandbox CSP so a browser that opens it anyway runs nothing in our origin)."""
    name = safe_filename(filename)
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    disposition = f'attachment; filename="{ascii_name}"'
    if ascii_name != name:
        disposition += f"; filename*=UTF-8''{quote(name)}"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": disposition, "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'"})
