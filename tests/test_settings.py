"""Settings: defaults < TOML file < environment < arguments, and each value says where it came from."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from shopagent.settings import Settings, SettingsError


def test_defaults_put_a_sqlite_file_in_the_data_directory() -> None:
    s = Settings()
    assert s.db_url.startswith("sqlite:///") and s.db_url.endswith("data/catalog.sqlite")
    assert s.origins()["data_dir"] == "default"


def test_precedence_file_then_env_then_argument(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "shopagent.toml"
    cfg.write_text('device = "cpu"\nindex_factory = "HNSW32"\nplanner_backend = "rules"\n')
    monkeypatch.setenv("SHOPAGENT_INDEX_FACTORY", "IVF4096,PQ64")
    s = Settings(planner_backend="openai")
    assert (s.device, s.index_factory, s.planner_backend) == ("cpu", "IVF4096,PQ64", "openai")
    origins = s.origins()
    assert origins["device"] == "file shopagent.toml"
    assert origins["index_factory"] == "env SHOPAGENT_INDEX_FACTORY"
    assert origins["planner_backend"] == "argument"


def test_config_env_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "elsewhere.toml"
    cfg.write_text('database_url = "postgresql+psycopg2://u@127.0.0.1/shop"\n')
    monkeypatch.setenv("SHOPAGENT_CONFIG", str(cfg))
    assert Settings().db_url == "postgresql+psycopg2://u@127.0.0.1/shop"


def test_missing_config_file_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPAGENT_CONFIG", "/nowhere/shopagent.toml")
    with pytest.raises(SettingsError, match="names no file"):
        Settings()


def test_unknown_key_in_file_lists_the_valid_names(tmp_path: Path) -> None:
    (tmp_path / "shopagent.toml").write_text('devcie = "cpu"\n')
    with pytest.raises(SettingsError, match="unknown setting.*devcie.*Valid names: data_dir"):
        Settings()


def test_bad_toml_is_a_settings_error(tmp_path: Path) -> None:
    (tmp_path / "shopagent.toml").write_text('device = "cpu\n')
    with pytest.raises(SettingsError, match="not valid TOML"):
        Settings()


def test_bad_value_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPAGENT_DEVICE", "tpu")
    with pytest.raises(ValidationError, match="device"):
        Settings()


def test_secrets_are_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPAGENT_OPENAI_API_KEY", "sk-secret")
    rows = {name: value for name, value, _ in Settings().public_items()}
    assert rows["openai_api_key"] == "****" and "sk-secret" not in str(rows)
