"""Every setting the code reads from the environment is in README's configuration table.

The scan reads the code the way an operator's environment reaches it: `os.environ` / `getenv` / `env.get` anywhere in
the package, `gunicorn.conf.py` and `wsgi.py`; the media settings (read by name); config keys with a feature prefix
(config.py passes those through from the environment); `${NAME}` in the deploy scripts. A name found there and not
in the table fails the test, listed.
"""
import re
from pathlib import Path

from reporter.config import _FEATURE_PREFIXES

ROOT = Path(__file__).resolve().parents[2]
NAME = r"([A-Z][A-Z0-9_]*[A-Z0-9])"
ENV_READS = [
    re.compile(r"(?:os\.environ\.get|os\.getenv|environ\.get|\benv\.get)\(\s*[\"']" + NAME + r"[\"']"),
    re.compile(r"(?:os\.environ|\benv)\[\s*[\"']" + NAME + r"[\"']\s*\]"),
    re.compile(r"envvar=[\"']" + NAME + r"[\"']"),  # click options
]
FEATURE_KEY = re.compile(r"[\"'](" + "|".join(map(re.escape, _FEATURE_PREFIXES)) + r")([A-Z0-9_]+)[\"']")
CONFIG_CONSTANT = re.compile(r"^\s*[\"']" + NAME + r"[\"']\s*:", re.M)  # keys config.py sets itself
SHELL_READ = re.compile(r"\$\{" + NAME)
SHELL_OWN = {"HOME", "PATH", "PWD", "LANG", "TERM", "BASH_SOURCE"}  # the shell's and the terminal's


def python_sources() -> list[Path]:
    return [*sorted((ROOT / "reporter").rglob("*.py")), ROOT / "gunicorn.conf.py", ROOT / "wsgi.py"]


def settings_read_by_the_code() -> dict[str, str]:
    """Setting name → the first file that reads it."""
    found: dict[str, str] = {}
    fixed = set(CONFIG_CONSTANT.findall((ROOT / "reporter/config.py").read_text()))
    for path in python_sources():
        text = path.read_text()
        names = {m for pattern in ENV_READS for m in pattern.findall(text)}
        names |= {prefix + rest for prefix, rest in FEATURE_KEY.findall(text)} - fixed
        for name in names:
            found.setdefault(name, str(path.relative_to(ROOT)))
    from reporter.media.settings import DEFAULTS as MEDIA  # read by name from the environment (media.settings.setting)

    for name in MEDIA:
        found.setdefault(name, "reporter/media/settings.py")
    for path in sorted((ROOT / "deploy").rglob("*")):
        if path.is_file() and (path.suffix == ".sh" or path.read_bytes().startswith(b"#!")):
            assigned = set(re.findall(r"^\s*(?:export\s+)?" + NAME + "=", path.read_text(), re.M))
            for name in set(SHELL_READ.findall(path.read_text())) - SHELL_OWN - assigned:
                found.setdefault(name, str(path.relative_to(ROOT)))
    return found


def configuration_table() -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## Configuration")
    return readme[start:readme.index("\n## ", start + 1)]


def test_every_setting_the_code_reads_is_in_the_readme_configuration_table():
    table = set(re.findall(r"`" + NAME + "`", configuration_table()))
    read = settings_read_by_the_code()
    missing = sorted(set(read) - table)
    assert not missing, "settings read by the code but missing from README's configuration table:\n" + "\n".join(
        f"  {name}  (read in {read[name]})" for name in missing)


def test_the_scan_finds_settings_of_every_kind():
    read = settings_read_by_the_code()
    assert {"PROXY_COUNT", "DATABASE_URL", "REPORTER_INSTANCE"} <= set(read)  # config.py, the app factory
    assert {"GUNICORN_TIMEOUT", "FORWARDED_ALLOW_IPS", "LOG_LEVEL"} <= set(read)  # gunicorn.conf.py
    assert {"REPORT_DUPLICATE_RADIUS_M", "PATROL_CLOCK_SKEW_S", "RATELIMIT_REPORT_SUBMIT"} <= set(read)  # features
    assert {"REPORTER_NEW_PASSWORD", "REPORTER_ENV_FILE"} <= set(read)  # click's envvar=, deploy scripts
    assert "RATELIMIT_STORAGE_URI" not in read  # fixed by config.py, not an operator's setting
