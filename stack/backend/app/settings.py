"""All configuration in one place: environment variables, and Docker secrets for passwords."""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import URL

_SECRETS_DIR = os.environ.get("SECRETS_DIR", "/run/secrets")


class Settings(BaseSettings):
    # Passwords come from Docker secrets (files named after the fields) or the environment.
    model_config = SettingsConfigDict(
        secrets_dir=_SECRETS_DIR if os.path.isdir(_SECRETS_DIR) else None,
        extra="ignore",
    )

    # Postgres: app data and ADK sessions/events.
    postgres_host: str = "postgres"
    postgres_port: int = 5432
    postgres_db: str = "stocks"
    postgres_user: str = "stocks"
    postgres_password: str
    # Connections kept open per engine (the app's and ADK's). One that only overflows the pool
    # is closed when returned: a new one per request under load, each a fork and a SCRAM
    # handshake on both sides (measured: 1-8 new connections every 2 s at 50 users with 5).
    db_pool_size: int = Field(10, ge=1, le=50)
    db_max_overflow: int = Field(10, ge=0, le=50)
    db_connect_timeout_seconds: float = Field(3.0, gt=0, description="connecting to Postgres")
    db_command_timeout_seconds: float = Field(5.0, gt=0, description="any one statement, pool pre-ping included")

    def db_engine_kwargs(self) -> dict:
        """Pool settings shared by the app's engine and ADK's session service."""
        return {
            # A connection killed by a Postgres restart is detected and replaced before use.
            "pool_pre_ping": True,
            "pool_recycle": 1800,
            "pool_size": self.db_pool_size,
            "max_overflow": self.db_max_overflow,
            "pool_timeout": 5,
            # Bounded waits: a hung Postgres gives a 503 in seconds, not a hung request.
            "connect_args": {"timeout": self.db_connect_timeout_seconds,
                             "command_timeout": self.db_command_timeout_seconds},
        }

    # Redis: read-through cache.
    redis_host: str = "redis"
    redis_port: int = 6379
    redis_db: int = 0
    redis_password: str = ""
    cache_ttl_seconds: int = Field(300, ge=1, description="TTL of cached price data")
    cache_watchlist_ttl_seconds: int = Field(60, ge=1, description="TTL of cached watchlists")
    redis_timeout_seconds: float = Field(0.5, gt=0, description="Redis connect/read timeout")
    redis_retry_seconds: float = Field(1.0, ge=0, description="pause before retrying Redis after a failure")

    # The model: Gemini when a key is set, otherwise the deterministic offline model.
    model: Literal["auto", "offline", "gemini"] = "auto"
    gemini_model: str = "gemini-2.5-flash"
    gemini_base_url: str = Field("", description="the Gemini API's address; empty: Google's own endpoint")
    google_api_key: str = ""
    # Why these values: API.md, "The model path".
    gemini_timeout_seconds: float = Field(
        30.0, gt=0, le=600, description="longest wait for the model's next bytes: connect, first token, each chunk")
    gemini_retry_attempts: int = Field(
        3, ge=1, le=10, description="tries of one model call, the first included (429, 5xx, 408, connect errors)")
    gemini_retry_initial_seconds: float = Field(1.0, ge=0, le=60, description="pause before the first retry")
    gemini_retry_max_seconds: float = Field(4.0, ge=0, le=60, description="longest pause between retries")
    offline_chunk_delay_ms: int = Field(150, ge=0, le=10_000)
    offline_chunks: int = Field(8, ge=1, le=200)

    # SSE: a ": ping" comment after this many idle seconds on any event stream.
    sse_heartbeat_seconds: float = Field(15.0, gt=0, le=300)

    # Browser origins allowed besides the same origin (comma-separated; "regex:" entries ok).
    allow_origins: Annotated[list[str], NoDecode] = []

    # Accounts and sessions (API.md, "Identity and access").
    signup_open: bool = Field(False, description="POST /api/v1/auth/signup creates accounts (else 403)")
    cookie_secure: bool = Field(False, description="the session cookie carries Secure (set it behind HTTPS)")
    session_idle_seconds: int = Field(1800, ge=60, le=30 * 86400, description="a session unused this long ends")
    session_max_seconds: int = Field(43200, ge=60, le=366 * 86400, description="a session ends this long after sign-in")
    # Argon2id cost (OWASP's minimum: 19 MiB, 2 passes, 1 lane; about 50 ms on one core here).
    # Changing them is safe: each stored hash is upgraded at its owner's next sign-in.
    argon2_time_cost: int = Field(2, ge=1, le=10)
    argon2_memory_kib: int = Field(19456, ge=8192, le=262144)
    argon2_parallelism: int = Field(1, ge=1, le=8)
    # ADK's developer routes (artifacts, memory, app info, /list-apps, /docs...): 404 unless true.
    adk_dev_routes: bool = False

    log_level: str = "INFO"
    json_logs: bool = True

    @field_validator("allow_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @model_validator(mode="after")
    def _gemini_needs_a_key(self) -> "Settings":
        if self.model == "gemini" and not self.google_api_key:
            raise ValueError("MODEL=gemini needs GOOGLE_API_KEY (or the google_api_key secret)")
        return self

    @property
    def model_mode(self) -> Literal["offline", "gemini"]:
        if self.model == "auto":
            return "gemini" if self.google_api_key else "offline"
        return self.model

    def database_url(self, driver: str = "asyncpg") -> URL:
        return URL.create(
            f"postgresql+{driver}",
            username=self.postgres_user,
            password=self.postgres_password,
            host=self.postgres_host,
            port=self.postgres_port,
            database=self.postgres_db,
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
