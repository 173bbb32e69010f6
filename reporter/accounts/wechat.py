"""WeChat mini-program sign-in: exchange a wx.login code for an openid at jscode2session."""
import logging
import re

import requests
from flask import current_app

from reporter.common.outbound import json_object
from reporter.errors import ServiceUnavailable, Unauthorized

log = logging.getLogger(__name__)
# WeChat's openids are 28 characters of the URL-safe base64 alphabet; allow some room, nothing else.
OPENID_SHAPE = re.compile(r"[A-Za-z0-9_-]{6,64}")


def exchange_code(code: str) -> str:
    """The openid for a wx.login code; 401 when WeChat refuses it, 503 when WeChat is unreachable."""
    cfg = current_app.config
    params = {"appid": cfg["WECHAT_APPID"], "secret": cfg["WECHAT_SECRET"], "js_code": code,
              "grant_type": "authorization_code"}
    try:
        data = json_object("GET", f"{cfg['WECHAT_API_BASE']}/sns/jscode2session", params=params,
                           timeout_s=cfg["WECHAT_TIMEOUT_S"])
        openid = data.get("openid")
        if openid not in (None, "") and not (isinstance(openid, str) and OPENID_SHAPE.fullmatch(openid)):
            raise ValueError("openid is not shaped like WeChat's")
    except (requests.RequestException, ValueError) as exc:
        log.warning("wechat jscode2session failed: %s", type(exc).__name__)
        raise ServiceUnavailable("WeChat sign-in is unavailable; try again shortly",
                                 error="wechat_unavailable") from None
    errcode = data.get("errcode", 0)
    if errcode or not openid:
        log.info("wechat refused a code: errcode=%s", errcode)
        raise Unauthorized("WeChat did not accept this sign-in code", error="wechat_login_failed")
    return openid
