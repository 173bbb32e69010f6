"""Outbound calls to WeChat: an answer counts only with status 200, as a JSON object, small and in time."""
import json
import time

import requests

MAX_ANSWER_BYTES = 64 * 1024  # WeChat's answers are a few hundred bytes; more is not WeChat


class BadAnswer(ValueError):
    """The answer was not a 200 carrying a JSON object within the size and time limits."""


def json_object(method: str, url: str, *, timeout_s: float, max_bytes: int = MAX_ANSWER_BYTES, **kwargs) -> dict:
    """Call `url` and return the answer's JSON object; BadAnswer or requests.RequestException otherwise.

    The body is streamed and dropped past `max_bytes`; `timeout_s` bounds the whole call, not each read.
    """
    deadline = time.monotonic() + timeout_s
    with requests.request(method, url, timeout=(min(3.0, timeout_s), timeout_s), stream=True, **kwargs) as resp:
        if resp.status_code != 200:
            raise BadAnswer(f"HTTP {resp.status_code}")
        if int(resp.headers.get("Content-Length") or 0) > max_bytes:
            raise BadAnswer("answer too large")
        body = bytearray()
        for chunk in resp.iter_content(8192):
            body += chunk
            if len(body) > max_bytes:
                raise BadAnswer("answer too large")
            if time.monotonic() > deadline:
                raise BadAnswer("answer too slow")
    data = json.loads(body)
    if not isinstance(data, dict):
        raise BadAnswer("not a JSON object")
    return data
