"""WeChat mini-program sign-in: exchange a wx.login code for an openid at jscode2session."""
import logging

import requests
from flask import current_app

from reporter.errors import ServiceUnavailable, Unauthorized

log = logging.getLogger(__name__)
OPENID_MAX_LENGTH = 128  # the column's width; WeChat's openids are 28 characters


def exchange_code(code: str) -> str:
    """The openid for a wx.login code; 401 when WeChat refuses it, 503 when WeChat is unreachable."""
    cfg = current_app.config
    params = {"appid": cfg["WECHAT_APPID"], "secret": cfg["WECHAT_SECRET"], "js_code": code,
              "grant_type": "authorization_code"}
    try:
        resp = requests.get(f"{cfg['WECHAT_API_BASE']}/sns/jscode2session", params=params,
                            timeout=(min(3.0, cfg["WECHAT_TIMEOUT_S"]), cfg["WECHAT_TIMEOUT_S"]))
        data = resp.json()
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        openid = data.get("openid")
        if openid is not None and not (isinstance(openid, str) and len(openid) <= OPENID_MAX_LENGTH):
            raise ValueError("openid is not a short text")
    except (requests.RequestException, ValueError) as exc:
        log.warning("wechat jscode2session failed: %s", type(exc).__name__)
        raise ServiceUnavailable("WeChat sign-in is unavailable; try again shortly",
                                 error="wechat_unavailable") from None
    errcode = data.get("errcode", 0)
    if errcode or not openid:
        log.info("wechat refused a code: errcode=%s", errcode)
        raise Unauthorized("WeChat did not accept this sign-in code", error="wechat_login_failed")
    return openid
