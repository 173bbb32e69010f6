"""Settings from the environment, with safe defaults for the embedded (SQLite) mode."""
import json
import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


# PAYEE_INDEX_KEYS: HMAC keys of the payees' blind index (the first computes, all match; rotated with the contact keys).
SECRET_NAMES = ("SECRET_KEY", "JWT_SECRET_KEY", "CONTACT_ENCRYPTION_KEYS", "PAYEE_INDEX_KEYS")


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete for the chosen environment."""


KNOWN_ENVIRONMENTS = ("development", "production")  # REPORTER_ENV: anything else refuses to start
MIN_SECRET_BYTES = 32
PLACEHOLDER = "CHANGE-ME"  # every secret of deploy/systemd/reporter.env.example carries it


def _instance_secrets(instance_path: Path) -> dict:
    """Secrets generated once for the embedded mode and kept under instance/."""
    path = instance_path / "secrets.json"
    if path.exists():
        data = json.loads(path.read_text())
        if "PAYEE_INDEX_KEYS" not in data:  # generated before the payees' blind index existed: add its key
            data["PAYEE_INDEX_KEYS"] = secrets.token_urlsafe(32)
            path.write_text(json.dumps(data))
        return data
    instance_path.mkdir(parents=True, exist_ok=True)
    data = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "JWT_SECRET_KEY": secrets.token_urlsafe(48),
        "CONTACT_ENCRYPTION_KEYS": secrets.token_urlsafe(32),
        "PAYEE_INDEX_KEYS": secrets.token_urlsafe(32),
    }
    path.write_text(json.dumps(data))
    path.chmod(0o600)
    log.warning("generated secrets in %s; set SECRET_KEY/JWT_SECRET_KEY for production", path)
    return data


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# Feature settings the README documents as environment variables (limits, thresholds, windows): read by prefix.
_FEATURE_PREFIXES = ("RATELIMIT_", "REPORT_", "PATROL_", "CASE_", "REWARD_", "IDEMPOTENCY_", "REFERENCE_CACHE_",
                     "UPLOAD_URL_", "MAX_IMAGE_", "STATS_", "PRIVACY_")


def _feature_settings(env: dict, cfg: dict) -> dict:
    """Environment variables with a feature prefix, numbers and booleans as JSON, anything else as text."""
    found = {}
    for key, raw in env.items():
        if key.startswith(_FEATURE_PREFIXES) and key not in cfg:
            try:
                found[key] = json.loads(raw)
            except ValueError:
                found[key] = raw
    return found


def _public_base_url(value: str) -> str | None:
    """`https://host[:port][/prefix]` without a trailing slash, or None; anything else refuses to start."""
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment \
            or any(c.isspace() for c in value):
        raise ConfigError(f"PUBLIC_BASE_URL must look like https://reporter.example.gov.cn, not {value!r}")
    return value.rstrip("/")


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the Flask config dict from the environment (and test overrides)."""
    env = dict(os.environ)
    env.update({k: v for k, v in (overrides or {}).items() if isinstance(v, str) and k.isupper()})
    instance = Path(instance_path)
    reporter_env = env.get("REPORTER_ENV", "development")
    if reporter_env not in KNOWN_ENVIRONMENTS:
        raise ConfigError(f"REPORTER_ENV={reporter_env!r} is not one of {', '.join(KNOWN_ENVIRONMENTS)}")
    production = reporter_env == "production"
    default_db = f"sqlite:///{instance / 'reporter.db'}"
    cfg: dict = {
        "REPORTER_ENV": reporter_env,
        "DEBUG": _bool(env.get("FLASK_DEBUG")),
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL", default_db),
        # hide_parameters: database errors (and their logged tracebacks) never carry the values, e.g. an openid.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        "UPLOAD_ROOT": env.get("UPLOAD_ROOT", str(PROJECT_ROOT / "uploads")),
        "REDIS_URL": env.get("REDIS_URL") or None,
        "WECHAT_APPID": env.get("WECHAT_APPID", ""),
        "WECHAT_SECRET": env.get("WECHAT_SECRET", ""),
        "WECHAT_API_BASE": env.get("WECHAT_API_BASE", "https://api.weixin.qq.com").rstrip("/"),
        "WECHAT_TIMEOUT_S": float(env.get("WECHAT_TIMEOUT_S", "5")),
        # JSON objects (message kind → subscribe-message template id / mini-program page)
        "WECHAT_TEMPLATES": env.get("WECHAT_TEMPLATES", ""),
        "WECHAT_PAGES": env.get("WECHAT_PAGES", ""),
        # Body limits: uploads are the largest legitimate bodies; JSON is far smaller.
        "MAX_CONTENT_LENGTH": int(env.get("MAX_UPLOAD_BYTES", str(15 * 1024 * 1024))) + 64 * 1024,
        "MAX_UPLOAD_BYTES": int(env.get("MAX_UPLOAD_BYTES", str(15 * 1024 * 1024))),
        "MAX_JSON_BYTES": int(env.get("MAX_JSON_BYTES", str(1024 * 1024))),
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=int(env.get("JWT_ACCESS_MINUTES", "15"))),
        "JWT_REFRESH_TOKEN_EXPIRES": timedelta(days=int(env.get("JWT_REFRESH_DAYS", "30"))),
        "JWT_TOKEN_LOCATION": ["headers"],  # never in URLs or cookies
        "JWT_ALGORITHM": "HS256",
        "JWT_DECODE_ALGORITHMS": ["HS256"],
        "FRESH_LOGIN_MINUTES": int(env.get("FRESH_LOGIN_MINUTES", "10")),
        # Failed sign-ins throttle one (username, address) pair, never the account (accounts/throttle.py).
        "LOGIN_MAX_FAILURES": int(env.get("LOGIN_MAX_FAILURES", "5")),
        "LOGIN_DELAY_S": int(env.get("LOGIN_DELAY_S", "60")),
        "LOGIN_DELAY_MAX_S": int(env.get("LOGIN_DELAY_MAX_S", "3600")),
        "LOGIN_FAILURE_MEMORY_S": int(env.get("LOGIN_FAILURE_MEMORY_S", "86400")),
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL") or "memory://",
        "RATELIMIT_LOGIN": env.get("RATELIMIT_LOGIN", "20/minute"),
        "CORS_ORIGINS": [o for o in env.get("CORS_ORIGINS", "").split(",") if o],
        "METRICS_ALLOW": [n for n in env.get("METRICS_ALLOW", "127.0.0.1/32,::1/128").split(",") if n],
        "METRICS_TOKEN": env.get("METRICS_TOKEN") or None,
        "PROXY_COUNT": int(env.get("PROXY_COUNT", "0")),
        # Absolute links (image URLs) start here, never from the request's Host header; unset: links are relative.
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", ""),
        # The 月通报 document (reporter/stats/document.py): issuer, recipients, number, font names; unset: defaults.
        **{name: env[name] for name in ("BULLETIN_ISSUER", "BULLETIN_MARK", "BULLETIN_NUMBER_FORMAT",
                                        "BULLETIN_RECIPIENTS", "BULLETIN_FONT_TITLE", "BULLETIN_FONT_BODY",
                                        "BULLETIN_FONT_HEADING", "BULLETIN_FONT_SUBHEADING") if env.get(name)},
        # The console's maps (reporter/console): a tile server on the intranet ({z}/{x}/{y}), its coordinate system
        # (wgs84 | gcj02) and attribution; unset, the county and grid outlines are the map.
        "MAP_TILE_URL": env.get("MAP_TILE_URL", ""),
        "MAP_TILE_COORD_SYSTEM": env.get("MAP_TILE_COORD_SYSTEM", "wgs84"),
        "MAP_TILE_ATTRIBUTION": env.get("MAP_TILE_ATTRIBUTION", ""),
        "CONSOLE_SESSION_HOURS": int(env.get("CONSOLE_SESSION_HOURS", "12")),
        # OpenAPI / docs (assets served locally: intranets have no CDN)
        "API_TITLE": "Qinling ecological protection reporting (reporter)",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/api/docs/assets/",
        "API_SPEC_OPTIONS": {
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
            },
        },
    }
    for key in SECRET_NAMES:
        if env.get(key):
            cfg[key] = env[key]
    cfg.update(_feature_settings(env, cfg))
    if overrides:
        cfg.update(overrides)
    cfg["PUBLIC_BASE_URL"] = _public_base_url(cfg.get("PUBLIC_BASE_URL") or "")
    missing = [k for k in SECRET_NAMES if not cfg.get(k)]
    if production:
        _check_production(cfg, missing)
    elif missing:
        generated = _instance_secrets(instance)
        for key in missing:
            cfg[key] = generated[key]
    uri = cfg["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 15}, "hide_parameters": True}
    elif uri.startswith("postgresql"):
        # A database host that takes the connection and never answers must not hold a worker until gunicorn's timeout.
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {**cfg["SQLALCHEMY_ENGINE_OPTIONS"], "connect_args": {
            "connect_timeout": int(env.get("DATABASE_CONNECT_TIMEOUT_S", "5"))}}
    return cfg


def _is_fernet_key(key: str) -> bool:
    from cryptography.fernet import Fernet

    try:
        Fernet(key.encode())
    except (ValueError, TypeError):
        return False
    return True


def _check_production(cfg: dict, missing: list[str]) -> None:
    """Refuse to start production with generated, short or placeholder secrets, contact keys that are not Fernet
    keys, SQLite or debug."""
    problems = []
    if missing:
        problems.append("missing secrets: " + ", ".join(missing))
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        problems.append("DATABASE_URL must name a real database server (PostgreSQL), not SQLite")
    if cfg.get("DEBUG"):
        problems.append("debug must be off")
    for key in ("SECRET_KEY", "JWT_SECRET_KEY"):
        value = cfg.get(key) or ""
        if value and len(value.encode()) < MIN_SECRET_BYTES:
            problems.append(f"{key} is shorter than {MIN_SECRET_BYTES} bytes")
        if PLACEHOLDER.lower() in value.lower():
            problems.append(f"{key} is still the placeholder of reporter.env.example")
    for index_key in (k.strip() for k in (cfg.get("PAYEE_INDEX_KEYS") or "").split(",") if k.strip()):
        if PLACEHOLDER.lower() in index_key.lower():
            problems.append("PAYEE_INDEX_KEYS is still the placeholder of reporter.env.example")
        elif len(index_key.encode()) < MIN_SECRET_BYTES:
            problems.append(f"each key of PAYEE_INDEX_KEYS needs at least {MIN_SECRET_BYTES} bytes")
    keys = cfg.get("CONTACT_ENCRYPTION_KEYS") or ""
    if PLACEHOLDER.lower() in keys.lower():
        problems.append("CONTACT_ENCRYPTION_KEYS is still the placeholder of reporter.env.example")
    elif keys and not all(_is_fernet_key(k.strip()) for k in keys.split(",") if k.strip()):
        problems.append("CONTACT_ENCRYPTION_KEYS must be Fernet keys (each: python -c 'from cryptography.fernet "
                        "import Fernet; print(Fernet.generate_key().decode())')")
    if problems:
        raise ConfigError("refusing to start with REPORTER_ENV=production: " + "; ".join(problems))
