"""Senders behind one interface; WeChat subscribe messages with a cached access token."""
import json
import logging
import threading
import time
from typing import Protocol

import requests
from flask import current_app

from reporter.common.outbound import json_object
from reporter.notify.models import OutboxMessage

log = logging.getLogger(__name__)


class SendError(Exception):
    """Delivery failed; `permanent` failures are not retried."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class Sender(Protocol):
    def send(self, message: OutboxMessage, openid: str | None) -> None:
        """Deliver one message or raise SendError."""


# errcodes after which retrying cannot help (user refused the subscription, bad template, bad openid …)
_PERMANENT = {40003, 40037, 43101, 47003}


class WeChatSubscribeSender:
    """`{WECHAT_API_BASE}/cgi-bin/message/subscribe/send` with a token from `/cgi-bin/token`, cached until expiry."""

    def __init__(self, config):
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[str, float]] = {}  # per worker process; Redis shares it when configured
        self.base = config["WECHAT_API_BASE"]
        self.appid = config["WECHAT_APPID"]
        self.secret = config["WECHAT_SECRET"]
        self.timeout = config["WECHAT_TIMEOUT_S"]
        self.templates = _json_setting(config.get("WECHAT_TEMPLATES"))
        self.pages = _json_setting(config.get("WECHAT_PAGES"))
        self.redis = _redis(config.get("REDIS_URL"))

    def _token(self, refresh: bool = False) -> str:
        key = f"reporter:wechat-token:{self.appid}"
        if not refresh:
            cached = self.redis.get(key) if self.redis else self._cache.get(key, (None, 0))
            if self.redis and cached:
                return cached.decode()
            if not self.redis and cached[0] and cached[1] > time.time():
                return cached[0]
        with self._lock:
            try:
                data = json_object("GET", f"{self.base}/cgi-bin/token", timeout_s=self.timeout,
                                   params={"grant_type": "client_credential", "appid": self.appid,
                                           "secret": self.secret})
            except (requests.RequestException, ValueError) as exc:
                raise SendError(f"token: {type(exc).__name__}") from None
            if not data.get("access_token"):
                raise SendError(f"token: errcode {data.get('errcode')}")
            ttl = max(60, int(data.get("expires_in", 7200)) - 300)
            if self.redis:
                self.redis.set(key, data["access_token"], ex=ttl)
            else:
                self._cache[key] = (data["access_token"], time.time() + ttl)
            return data["access_token"]

    def send(self, message: OutboxMessage, openid: str | None) -> None:
        """One subscribe message; the message id rides in the page path so the receiver can drop repeats."""
        if not openid:
            raise SendError("recipient has no WeChat account", permanent=True)
        page = self.pages.get(message.kind, "pages/index/index")
        sep = "&" if "?" in page else "?"
        body = {
            "touser": openid,
            "template_id": self.templates.get(message.kind, message.kind),
            "page": f"{page}{sep}mid={message.id}" + (f"&id={message.data['report_id']}"
                                                     if "report_id" in message.data else ""),
            "data": {k: {"value": str(v)[:20]} for k, v in message.data.get("fields", {}).items()},
        }
        for attempt in (0, 1):
            token = self._token(refresh=attempt == 1)
            try:
                data = json_object("POST", f"{self.base}/cgi-bin/message/subscribe/send",
                                   params={"access_token": token}, json=body, timeout_s=self.timeout)
            except (requests.RequestException, ValueError) as exc:
                raise SendError(f"send: {type(exc).__name__}") from None
            errcode = data.get("errcode", 0)
            if errcode in (40001, 42001) and attempt == 0:  # token expired or invalid: fetch a new one once
                continue
            if errcode:
                raise SendError(f"send: errcode {errcode}", permanent=errcode in _PERMANENT)
            return


def _json_setting(value) -> dict:
    if not value:
        return {}
    return value if isinstance(value, dict) else json.loads(value)


def _redis(url: str | None):
    if not url:
        return None
    import redis

    return redis.Redis.from_url(url)


def default_sender() -> Sender:
    """The configured sender (WeChat subscribe messages)."""
    return WeChatSubscribeSender(current_app.config)
