"""The server's settings: where data lives, the public URL, and every product limit.

Values come, highest first, from keyword arguments, ``ACTIONFORGE_*`` environment variables, and
an optional TOML file (``ACTIONFORGE_CONFIG_FILE`` or ``actionforge serve --config``). Defaults are
the original's limits (openai-actions.md §2.4, §5, §9). The engine's own limits (operations per
action, description lengths, call timeout, egress) stay in `actionforge.Settings`, read from the
same environment: `engine()` builds it, so no limit is defined twice.
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

import actionforge

VISIBILITIES = ("private", "workspace", "link", "public")  # narrowest to widest
CATEGORIES = ("Writing", "Productivity", "Research & Analysis", "Education", "Lifestyle", "Programming")


_config_file: ContextVar[str | None] = ContextVar("actionforge_config_file", default=None)


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "actionforge"


class ServerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ACTIONFORGE_", frozen=True, extra="ignore")

    # --- where things are ---
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="holds the SQLite database and the secret key file; created on first run; "
        "default: $XDG_DATA_HOME/actionforge or ~/.local/share/actionforge",
    )
    database_url: str | None = Field(
        None,
        description="sqlite:///PATH or postgresql://USER:PASSWORD@HOST/DB; default: DATA_DIR/actionforge.db",
    )
    database_pool_size: int = Field(
        10,
        ge=1,
        le=500,
        description="PostgreSQL connections each process keeps in each of its three pools "
        "(transactions, ORM reads, one-statement reads and writes); a request past them waits "
        "for one (opening one per request would cost more)",
    )
    row_cache_s: float = Field(
        10.0,
        ge=0,
        le=3_600,
        description="how long a process may reuse the rows each request looks up (who is calling, "
        "may they edit this GPT); a committed change to their tables empties every process's "
        "cache at once (PostgreSQL: NOTIFY; SQLite: the file's data version, read at each lookup), "
        "so this bounds only a change missed while the listener was down unnoticed; 0 turns the "
        "cache off",
    )
    key_file: Path | None = Field(None, description="secret key file; default: DATA_DIR/secret.key")
    public_base_url: str = Field(
        "http://127.0.0.1:8000",
        description="how users reach this server; OAuth callback URLs and the setup link use it, "
        "and cookies are Secure when it is https",
    )

    # --- GPTs (openai-actions.md §2.4 #20, §9 #78) ---
    gpt_name_max_chars: int = Field(50, ge=1, description="GPT name length")
    gpt_description_max_chars: int = Field(300, ge=0, description="GPT description length")
    gpt_instructions_max_chars: int = Field(8_000, ge=0, description="GPT instructions length")
    gpt_max_conversation_starters: int = Field(10, ge=0, description="not a documented original limit")
    conversation_starter_max_chars: int = Field(500, ge=1, description="not a documented original limit")
    categories: tuple[str, ...] = Field(CATEGORIES, description="the directory's categories")
    apps_and_actions_exclusive: bool = Field(
        True, description="a GPT uses apps or actions, never both (the original's rule, §6)"
    )

    # --- actions (§9 #1, #15) ---
    max_actions_per_gpt: int = Field(10, ge=1, description="actions (API domains) per GPT")
    max_url_chars: int = Field(2_000, ge=1, description="privacy-policy, source and base URLs")
    audit_retention_days: int = Field(90, ge=1, description="how long action-call audit records are kept")
    audit_gather_ms: int = Field(
        20,
        ge=0,
        le=1_000,
        description="how long a batch of audit records may wait for the records of calls still "
        "running, so that calls ending close together share one commit (each caller still returns "
        "only once its record is stored; a call made alone never waits; on PostgreSQL only a batch "
        "that follows another waits); 0 writes each batch at once",
    )

    # --- accounts ---
    password_min_chars: int = Field(8, ge=1, description="shortest accepted password")
    session_ttl_s: int = Field(14 * 86_400, ge=60, description="how long a sign-in lasts")
    login_max_attempts: int = Field(5, ge=1, description="failed logins per account and per client address")
    login_window_s: int = Field(300, ge=1, description="the window the failed-login count covers")
    setup_link_ttl_s: int = Field(86_400, ge=60, description="how long the first-run setup link works")
    argon2_time_cost: int = Field(3, ge=1, description="argon2id passes per password hash")
    argon2_memory_kib: int = Field(65_536, ge=64, description="argon2id memory per password hash")

    # --- conversations (openai-actions.md §3) ---
    chat_max_calls_per_turn: int = Field(
        10, ge=1, description="tool calls one turn may make before it ends with a notice (a runaway loop)"
    )
    chat_pause_expiry_s: int = Field(
        3_600, ge=1, description="how long a turn waits for an approval or a sign-in before it gives up"
    )
    chat_lease_s: int = Field(
        30, ge=2, description="a running turn's lease; another process recovers the turn if it lapses"
    )
    chat_sweep_interval_s: float = Field(
        5.0, gt=0, description="how often each process looks for expired pauses and lapsed leases"
    )
    chat_coalesce_ms: int = Field(
        50, ge=0, description="streamed text is stored and sent as one event per this many milliseconds"
    )
    chat_poll_interval_ms: int = Field(
        250, ge=10, description="on SQLite, how often an open event stream looks for new events"
    )

    # --- model providers ---
    models_local_network: bool = Field(
        False,
        description="model providers' base URLs may be on this machine or the private network "
        "(Ollama on localhost, a vLLM box on the LAN), over http on any port; off, they are held to "
        "the egress guard like any public API; link-local and cloud metadata are always refused",
    )

    # --- HTTP ---
    max_request_bytes: int = Field(
        12_000_000, ge=1_000, description="larger request bodies get 413 before they are read"
    )
    page_size_default: int = Field(50, ge=1, description="list items per page when ?limit= is absent")
    page_size_max: int = Field(200, ge=1, description="the largest ?limit= honoured")
    opentelemetry: bool = Field(
        False,
        description="FastAPI's own OpenTelemetry spans, metrics and logs for each request, sent to "
        "the providers an OpenTelemetry SDK configured in this process; off, no request checks for "
        "them (Prometheus metrics are at /metrics either way)",
    )

    @field_validator("public_base_url")
    @classmethod
    def _absolute_http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("public_base_url must be an absolute http(s) URL")
        return value.rstrip("/")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        file = _config_file.get() or os.environ.get("ACTIONFORGE_CONFIG_FILE")
        sources: tuple[PydanticBaseSettingsSource, ...] = (init_settings, env_settings)
        if file:
            sources += (TomlConfigSettingsSource(settings_cls, toml_file=Path(file)),)
        return sources

    @classmethod
    def load(cls, config_file: Path | None = None, **overrides: Any) -> ServerSettings:
        """Settings from ``overrides``, then the environment, then ``config_file`` (TOML)."""
        reset = _config_file.set(str(config_file) if config_file else None)
        try:
            return cls(**overrides)
        finally:
            _config_file.reset(reset)

    # --- derived ---
    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'actionforge.db'}"

    @property
    def resolved_key_file(self) -> Path:
        return self.key_file or self.data_dir / "secret.key"

    @property
    def secure_cookies(self) -> bool:
        return self.public_base_url.startswith("https://")

    def engine(self) -> actionforge.Settings:
        """The engine's settings from the same environment, with the key file in the data dir."""
        return actionforge.Settings(key_file=self.resolved_key_file)

    def model_egress(self) -> actionforge.Settings:
        """The egress guard's settings for model-provider traffic: the engine's, except that the
        actions' development switch ``allow_loopback`` never applies; only ``models_local_network``
        opens this machine and the private network to a provider URL."""
        if not self.models_local_network:
            return actionforge.Settings(key_file=self.resolved_key_file, allow_loopback=False)
        return actionforge.Settings(
            key_file=self.resolved_key_file,
            allow_loopback=False,
            allow_private_network=True,
            allow_http=True,
            allow_any_port=True,
        )
