"""Issue 14 §5: production refuses short or placeholder secrets, contact keys that are not Fernet keys, and an
unknown REPORTER_ENV (a typo used to run as development, with generated secrets)."""
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from reporter.config import KNOWN_ENVIRONMENTS, ConfigError, load_config

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "systemd" / "reporter.env.example"
GOOD = {"SECRET_KEY": "s" * 40, "JWT_SECRET_KEY": "j" * 40,
        "CONTACT_ENCRYPTION_KEYS": f"{Fernet.generate_key().decode()},{Fernet.generate_key().decode()}",
        "PAYEE_INDEX_KEYS": "p" * 40, "DATABASE_URL": "postgresql+psycopg://db/x"}


def example_values() -> dict:
    lines = [line.split("=", 1) for line in EXAMPLE.read_text().splitlines() if "=" in line and line[:1] != "#"]
    return {key: value for key, value in lines}


@pytest.fixture()
def production(tmp_path, monkeypatch):
    for key in ("SECRET_KEY", "JWT_SECRET_KEY", "CONTACT_ENCRYPTION_KEYS", "PAYEE_INDEX_KEYS", "DATABASE_URL",
                "FLASK_DEBUG"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("REPORTER_ENV", "production")

    def load(**env):
        for key, value in {**GOOD, **env}.items():
            monkeypatch.setenv(key, value)
        return load_config(str(tmp_path))
    return load


def test_good_production_settings_start(production):
    assert production()["REPORTER_ENV"] == "production"


@pytest.mark.parametrize("key", ["SECRET_KEY", "JWT_SECRET_KEY"])
def test_a_secret_shorter_than_32_bytes_is_refused(production, key):
    with pytest.raises(ConfigError, match=f"{key} .*32 bytes"):
        production(**{key: "a"})
    with pytest.raises(ConfigError, match=key):
        production(**{key: "x" * 31})
    assert production(**{key: "秦" * 11})[key]  # 33 bytes in UTF-8


@pytest.mark.parametrize("key", ["SECRET_KEY", "JWT_SECRET_KEY", "CONTACT_ENCRYPTION_KEYS", "PAYEE_INDEX_KEYS"])
def test_the_placeholders_of_the_example_file_are_refused(production, key):
    placeholder = example_values()[key]
    with pytest.raises(ConfigError, match=key):
        production(**{key: placeholder})
    with pytest.raises(ConfigError, match=key):  # padded past the length check, still the placeholder
        production(**{key: placeholder + "-" + "x" * 40})


A_FERNET_KEY = "bG9hZC1jb250YWN0LWtleS0wMTIzNDU2Nzg5YWJjZGU="  # fixed: parallel workers must collect the same ids


@pytest.mark.parametrize("keys", ["not-a-fernet-key", "x" * 44, f"{A_FERNET_KEY},older-passphrase"])
def test_contact_keys_must_be_fernet_keys(production, keys):
    with pytest.raises(ConfigError, match="CONTACT_ENCRYPTION_KEYS"):
        production(CONTACT_ENCRYPTION_KEYS=keys)


@pytest.mark.parametrize("value", ["prodution", "Production", "staging", ""])
def test_an_unknown_environment_is_refused_naming_the_known_ones(tmp_path, monkeypatch, value):
    monkeypatch.setenv("REPORTER_ENV", value)
    with pytest.raises(ConfigError, match="development, production"):
        load_config(str(tmp_path))
    assert not (tmp_path / "secrets.json").exists()


def test_the_known_environments(tmp_path, monkeypatch):
    assert KNOWN_ENVIRONMENTS == ("development", "production")
    monkeypatch.delenv("REPORTER_ENV", raising=False)
    assert load_config(str(tmp_path))["REPORTER_ENV"] == "development"


def test_payee_index_keys_are_long_secrets(production):
    with pytest.raises(ConfigError, match="PAYEE_INDEX_KEYS"):
        production(PAYEE_INDEX_KEYS="short")
    with pytest.raises(ConfigError, match="PAYEE_INDEX_KEYS"):
        production(PAYEE_INDEX_KEYS="p" * 40 + ",older")
    assert production(PAYEE_INDEX_KEYS="p" * 40 + "," + "q" * 32)["PAYEE_INDEX_KEYS"]
